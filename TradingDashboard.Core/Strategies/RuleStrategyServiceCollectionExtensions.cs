using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Core.Strategies;

public static class RuleStrategyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the live rule expert: "Trading:Strategies:Rule" options (validated at start) and the
    /// <see cref="RuleStrategyProcess"/> stage ("strategy-rule", as <see cref="IManagedProcess"/>) on the primary
    /// symbol (first of Trading:Symbols). The expert is created by name through the <see cref="StrategyCatalog"/>.
    /// Needs <see cref="TradingCoreServiceCollectionExtensions.AddTradingCore"/>; uses <see cref="ICandleCache"/> when registered.
    /// </summary>
    public static IServiceCollection AddRuleStrategy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RuleStrategyOptions>().Bind(configuration.GetSection(RuleStrategyOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RuleStrategyOptions>, RuleStrategyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StrategyCatalog>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RuleStrategyOptions>>().Value;
            var trading = sp.GetService<IOptions<TradingOptions>>()?.Value ?? new TradingOptions();
            var symbol = trading.PrimarySymbol;
            var catalog = sp.GetRequiredService<StrategyCatalog>();
            // The expert trades the timeframe of the first bar it sees: the stage feeds only the configured one.
            var spec = FormattableString.Invariant($"{PivotBreakoutStrategy.StrategyName}:{options.Level}:{options.AtrPeriod}");
            return new RuleStrategyProcess(
                () => catalog.Create(spec, [symbol]),
                sp.GetRequiredService<TradingExecutor>(),
                sp.GetService<ICandleCache>(),
                symbol,
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RuleStrategyProcess>>());
        });
        services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<RuleStrategyProcess>());
        return services;
    }
}
