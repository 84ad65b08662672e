using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TradingDashboard.Core.MarketData.Replay;

public static class ReplayServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ReplayMarketDataSource"/> as a singleton, resolvable both as itself and as one of the
    /// <see cref="IMarketDataSource"/> implementations (added once however often this is called), plus
    /// <see cref="TimeProvider.System"/> and <see cref="MarketDataMetrics"/> unless already registered.
    /// Needs <c>IOptions&lt;TradingOptions&gt;</c> and logging from the host.
    /// </summary>
    public static IServiceCollection AddReplayMarketData(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MarketDataMetrics>();
        services.TryAddSingleton<ReplayMarketDataSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMarketDataSource, ReplayMarketDataSource>(
            static sp => sp.GetRequiredService<ReplayMarketDataSource>()));
        return services;
    }
}
