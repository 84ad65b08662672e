using Microsoft.Extensions.Options;
using Microsoft.Extensions.FileProviders;
using TradingDashboard.Components;
using TradingDashboard.Ui;

namespace TradingDashboard.Hosting;

public static class DashboardHostingExtensions
{
    /// <summary>Blazor (interactive server rendering), MudBlazor and the dashboard's UI services.</summary>
    public static IServiceCollection AddDashboardComponents(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddDashboardUi();
        return services;
    }

    /// <summary>
    /// Serves the repository's wwwroot-assets folder (the dashboard's own css, js and icons) under /assets, before
    /// authentication so the login page gets its styles and the favicon never redirects.
    /// </summary>
    public static WebApplication UseDashboardAssets(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var paths = app.Services.GetRequiredService<HostPaths>();
        var assets = Path.Combine(paths.BaseDirectory, "wwwroot-assets");
        if (!Directory.Exists(assets))
        {
            // Published builds carry a copy beside the program.
            assets = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        }

        if (Directory.Exists(assets))
        {
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(assets), RequestPath = "/assets" });
            app.MapGet("/favicon.ico", () => Results.Redirect("/assets/favicon.ico")).AllowAnonymous();
        }

        return app;
    }

    /// <summary>
    /// Static files (anonymous: the login page needs its CSS and the Blazor framework script) and the Blazor pages
    /// (each requires a signed-in user unless it says [AllowAnonymous]).
    /// </summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// Runs the host until shutdown. When validation rejects a setting, the start stops and standard error first gets
    /// a short list of the rejected settings, by name, before the exception itself, which is rethrown so the process
    /// fails (and a test host sees it: the host is deliberately not disposed before that, see below).
    /// </summary>
    public static async Task RunTradingHostAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            // Not RunAsync: it disposes the host as soon as the start fails, and WebApplicationFactory, which waits
            // on that host, would then report ObjectDisposedException instead of the validation error.
            await app.StartAsync();
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: the host did not start because of these settings:");
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync("  - " + failure);
            }

            throw;
        }

        await using (app)
        {
            await app.WaitForShutdownAsync();
        }
    }
}
