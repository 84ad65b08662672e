using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Execution;

public static class TradingCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the trading core: "Trading:Execution" and "Trading:Risk" options (validated at start), the symbol
    /// rules, the venue (<see cref="IBrokerageApi"/>: the paper exchange, or the client registered under the venue's
    /// name with <c>AddKeyedSingleton&lt;IBrokerageApi, T&gt;("Binance")</c>), the SQLite execution store, positions,
    /// <see cref="OrderManager"/>, <see cref="RiskManager"/>, <see cref="StopLossManager"/>, <see cref="TradingExecutor"/>,
    /// <see cref="KillSwitch"/>, <see cref="ManualOrders"/>, the <see cref="TradingExecutionProcess"/> stage (as <see cref="IManagedProcess"/>) and
    /// the <see cref="StrategyCatalog"/>. Needs <see cref="SqliteDatabase"/>, and <see cref="IAuditLog"/> for admin
    /// actions; uses <see cref="IAlertService"/> and <see cref="ICandleCache"/> when registered.
    /// </summary>
    public static IServiceCollection AddTradingCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ExecutionOptions>().Bind(configuration.GetSection(ExecutionOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExecutionOptions>, ExecutionOptionsValidator>());
        services.AddOptions<RiskOptions>().Bind(configuration.GetSection(RiskOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RiskOptions>, RiskOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new SymbolRulesRegistry(sp.GetRequiredService<IOptions<ExecutionOptions>>().Value.ParsedSymbolRules()));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ExecutionOptions>>().Value;
            return new PaperExchange(o.Paper, sp.GetRequiredService<SymbolRulesRegistry>(), o.AccountCurrency, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp =>
        {
            var venue = sp.GetRequiredService<IOptions<ExecutionOptions>>().Value.Venue;
            return venue == "Paper"
                ? sp.GetRequiredService<PaperExchange>()
                : sp.GetKeyedService<IBrokerageApi>(venue) ?? throw new InvalidOperationException(
                    $"Trading:Execution:Venue is '{venue}', but no execution client for it is registered; use Venue Paper until the {venue} execution client exists.");
        });
        services.AddSingleton<IExecutionStore>(sp => new SqliteExecutionStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<IBrokerageApi>().Name));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ExecutionOptions>>().Value;

            // Live: no cash until the order manager's reconciliation reads it from the store or, on the first start,
            // from the venue's balances (Paper:InitialCash is the simulated account's money only).
            var startingCash = o.Mode == TradingMode.Live ? 0m : o.Paper.InitialCash;
            return new PositionBook(o.AccountCurrency, startingCash, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new OrderManager(
            sp.GetRequiredService<IBrokerageApi>(),
            sp.GetRequiredService<PositionBook>(),
            sp.GetRequiredService<SymbolRulesRegistry>(),
            sp.GetRequiredService<IExecutionStore>(),
            sp.GetRequiredService<IOptions<ExecutionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<OrderManager>>(),
            sp.GetService<IAlertService>()));
        services.AddSingleton(sp => new RiskManager(
            sp.GetRequiredService<IOptions<RiskOptions>>().Value,
            sp.GetRequiredService<IOptions<ExecutionOptions>>().Value.Mode,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IExecutionStore>(),
            sp.GetService<IAuditLog>(),
            sp.GetService<IAlertService>(),
            sp.GetService<ILogger<RiskManager>>()));
        services.AddSingleton(sp => new StopLossManager(sp.GetRequiredService<IOptions<RiskOptions>>().Value.StopLoss, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new TradingExecutor(
            sp.GetRequiredService<OrderManager>(),
            sp.GetRequiredService<RiskManager>(),
            sp.GetRequiredService<StopLossManager>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<TradingExecutor>>(),
            sp.GetRequiredService<IOptions<ExecutionOptions>>().Value.EntryCashBuffer));
        services.AddSingleton(sp => new KillSwitch(
            sp.GetRequiredService<RiskManager>(),
            sp.GetRequiredService<OrderManager>(),
            sp.GetRequiredService<IAuditLog>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<KillSwitch>>()));
        services.AddSingleton(sp => new ManualOrders(sp.GetRequiredService<OrderManager>(), sp.GetRequiredService<RiskManager>(), sp.GetRequiredService<IAuditLog>()));
        services.AddSingleton(sp =>
        {
            var trading = sp.GetService<IOptions<TradingOptions>>()?.Value ?? new TradingOptions();
            var execution = sp.GetRequiredService<IOptions<ExecutionOptions>>().Value;
            return new TradingExecutionProcess(
                sp.GetRequiredService<TradingExecutor>(),
                trading.Symbols,
                TimeframeExtensions.Parse(execution.Paper.MatchTimeframe),
                sp.GetService<ICandleCache>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<TradingExecutionProcess>>());
        });
        services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<TradingExecutionProcess>());
        services.TryAddSingleton<StrategyCatalog>();
        return services;
    }
}
