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
    /// Runs the host. A setting rejected by validation stops the start with one clear message naming it (exit code 2)
    /// instead of a stack trace.
    /// </summary>
    public static async Task<int> RunTradingHostAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: the host did not start because of these settings:");
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync("  - " + failure);
            }

            return 2;
        }
    }
}
