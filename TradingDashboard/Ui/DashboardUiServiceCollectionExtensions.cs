using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor;
using MudBlazor.Services;

namespace TradingDashboard.Ui;

public static class DashboardUiServiceCollectionExtensions
{
    /// <summary>
    /// Registers MudBlazor (snackbars bottom right, newest on top) and what the dashboard's components need besides
    /// the Core services: a <see cref="TimeProvider"/> (kept if one is registered) and the HTTP context accessor
    /// (for the remote address written to the audit log when a process is started or stopped).
    /// </summary>
    public static IServiceCollection AddDashboardUi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMudServices(config =>
        {
            var snackbars = config.SnackbarConfiguration;
            snackbars.PositionClass = Defaults.Classes.Position.BottomRight;
            snackbars.NewestOnTop = true;
            snackbars.MaxDisplayedSnackbars = 5;
            snackbars.PreventDuplicates = false;
            snackbars.ShowCloseIcon = true;
            snackbars.VisibleStateDuration = 6000;
            snackbars.ShowTransitionDuration = 150;
            snackbars.HideTransitionDuration = 150;
            snackbars.SnackbarVariant = Variant.Filled;
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        return services;
    }
}
