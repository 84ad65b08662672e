using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Core.Strategies;

namespace TradingDashboard.Core.Orchestration;

public static class OrchestratorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the orchestrator: "Trading:Orchestrator" options (validated at start), the rule, CNN and FastTree
    /// experts, the <see cref="RecentAccuracyGate"/> (unless a gate is registered already), the scoreboard, the SQLite
    /// <see cref="IThresholdStore"/>, the <see cref="IOrchestratorFeed"/> and the <see cref="OrchestratorProcess"/>
    /// ("orchestrator", as <see cref="IManagedProcess"/>, off by default). Needs <see cref="SqliteDatabase"/> and
    /// <see cref="IAuditLog"/>; uses the <see cref="TradingExecutor"/>, <see cref="ICandleCache"/>, model serving and
    /// the "strategy-rule" stage when registered.
    /// </summary>
    public static IServiceCollection AddOrchestrator(this IServiceCollection services)
    {
        services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrchestratorOptions>, OrchestratorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddExpert<RuleExpert>();
        services.AddExpert<CnnExpert>();
        services.AddExpert<FastTreeExpert>();
        services.TryAddSingleton<IGate, RecentAccuracyGate>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            return new ExpertScoreboard(options.ScoreHorizonBars, options.AccuracyWindow);
        });
        services.TryAddSingleton<IThresholdStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            var trading = sp.GetService<IOptions<TradingOptions>>()?.Value ?? new TradingOptions();
            var symbols = trading.Symbols.Concat(OrchestratorSymbols.Resolve(options, trading)).Distinct(StringComparer.Ordinal).ToArray();
            return new SqliteThresholdStore(
                sp.GetRequiredService<SqliteDatabase>(),
                sp.GetRequiredService<IAuditLog>(),
                symbols,
                new ConfidenceThresholds(options.EntryThreshold, options.ExitThreshold),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILogger<SqliteThresholdStore>>());
        });
        services.TryAddSingleton(sp => new OrchestratorFeed(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.RecentDecisions));
        services.TryAddSingleton<IOrchestratorFeed>(sp => sp.GetRequiredService<OrchestratorFeed>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            var mapper = new ActionMapper(Orchestrator.Source, options.LongFraction, options.ShortEnabled, options.ShortFraction);
            return new Orchestrator(
                sp.GetServices<IExpert>(),
                sp.GetRequiredService<IGate>(),
                sp.GetRequiredService<ExpertScoreboard>(),
                sp.GetRequiredService<IThresholdStore>(),
                mapper,
                new VolatilityTracker(options.VolatilityShortBars, options.VolatilityLongBars));
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            var trading = sp.GetService<IOptions<TradingOptions>>()?.Value ?? new TradingOptions();
            // The concrete type, not IEnumerable<IManagedProcess>: that list would include this stage itself.
            var rule = sp.GetService<RuleStrategyProcess>();
            return new OrchestratorProcess(
                sp.GetRequiredService<Orchestrator>(),
                sp.GetRequiredService<OrchestratorFeed>(),
                sp.GetService<TradingExecutor>(),
                sp.GetService<ICandleCache>(),
                OrchestratorSymbols.Resolve(options, trading),
                options,
                () => rule?.GetInfo().State is ProcessState.Running or ProcessState.Starting,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<OrchestratorProcess>>(),
                sp.GetService<IOptions<OrchestratorLearningOptions>>()?.Value.RecordDecisions != false ? sp.GetService<IDecisionOutcomeStore>() : null,
                sp.GetService<IOptions<ExecutionOptions>>()?.Value.Mode == TradingMode.Live ? "live" : "paper");
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IManagedProcess, OrchestratorProcess>(sp => sp.GetRequiredService<OrchestratorProcess>()));
        return services;
    }

    /// <summary>Adds an expert to the mixture (one singleton per type; its votes are weighed by the gate).</summary>
    public static IServiceCollection AddExpert<TExpert>(this IServiceCollection services)
        where TExpert : class, IExpert
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExpert, TExpert>());
        return services;
    }

    /// <summary>Replaces the gate (for a trained gate once one exists); call before or after <see cref="AddOrchestrator"/>.</summary>
    public static IServiceCollection AddGate<TGate>(this IServiceCollection services)
        where TGate : class, IGate
    {
        services.Replace(ServiceDescriptor.Singleton<IGate, TGate>());
        return services;
    }
}
