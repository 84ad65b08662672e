using Microsoft.Extensions.Options;
using MudBlazor.Services;
using TradingDashboard.Components;

namespace TradingDashboard.Hosting;

public static class DashboardHostingExtensions
{
    /// <summary>Blazor (interactive server rendering) and MudBlazor.</summary>
    public static IServiceCollection AddDashboardComponents(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return services;
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
