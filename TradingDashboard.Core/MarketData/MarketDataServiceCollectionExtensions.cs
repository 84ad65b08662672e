using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.MarketData;

public static class MarketDataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the market data pipeline core: clock, metrics, alerts, the SQLite candle store, the candle cache, the
    /// store queue and writer, the status provider, the <see cref="DataProvider"/> (also as <see cref="IMarketDataSink"/>), the "candle-storage" and
    /// "market-data" processes, the <see cref="ProcessController"/> and the <see cref="ProcessHostService"/>.
    /// </summary>
    /// <remarks>
    /// Expects from the host: <see cref="SqliteDatabase"/>, an <see cref="Security.IAuditLog"/>, logging, and
    /// TradingOptions bound to the "Trading" section. Sources
    /// (<see cref="IMarketDataSource"/>) come from AddExchangeMarketData / AddReplayMarketData. Calling it twice is harmless.
    /// </remarks>
    public static IServiceCollection AddMarketData(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TradingOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TradingOptions>, TradingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MarketDataMetrics>();
        services.TryAddSingleton<IAlertService, AlertService>();

        services.TryAddSingleton(sp => new SqliteCandleStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<ICandleStore>(sp => sp.GetRequiredService<SqliteCandleStore>());
        services.TryAddSingleton<CandleCache>();
        services.TryAddSingleton<ICandleCache>(sp => sp.GetRequiredService<CandleCache>());
        services.TryAddSingleton<CandleStoreQueue>();
        services.TryAddSingleton<CandleStorageWriter>();
        services.TryAddSingleton<MarketDataStatusProvider>();
        services.TryAddSingleton<IMarketDataStatusProvider>(sp => sp.GetRequiredService<MarketDataStatusProvider>());
        services.TryAddSingleton<DataProvider>();
        services.TryAddSingleton<IMarketDataSink>(sp => sp.GetRequiredService<DataProvider>());

        if (!services.Any(d => d.ServiceType == typeof(MarketDataProcess)))
        {
            // Storage first: the host service starts processes in registration order and stops them in reverse.
            services.AddSingleton<CandleStorageProcess>();
            services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<CandleStorageProcess>());
            services.AddSingleton<MarketDataProcess>();
            services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<MarketDataProcess>());
            services.AddHostedService<ProcessHostService>();
        }

        services.TryAddSingleton<IProcessController, ProcessController>();
        return services;
    }
}
