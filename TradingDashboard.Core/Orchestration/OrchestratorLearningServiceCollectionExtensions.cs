using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Orchestration;

public static class OrchestratorLearningServiceCollectionExtensions
{
    /// <summary>Feature frames and CNN predictions kept per symbol for the RL expert's observation.</summary>
    public const int LiveHistory = 512;

    /// <summary>
    /// Registers the RL expert: the <see cref="RlPolicyRegistry"/> over MODELS/rl (as <see cref="IRlPolicySource"/> and a
    /// hosted service: loaded at start, new files picked up while running), the live observation sources
    /// (<see cref="LiveFeatureFrames"/> as <see cref="IFeatureFrameSource"/>, <see cref="LiveCnnPredictions"/> as
    /// <see cref="ICnnPredictionSource"/>) and the <see cref="RlExpert"/> ("rl", on Trading:Orchestrator:Timeframe, sizes
    /// from LongFraction/ShortFraction). Needs AddPivotModels (sessions, models folder, prediction feed, registry),
    /// AddDataProcessor, AddOrchestrator (its options) and the audit log.
    /// </summary>
    public static IServiceCollection AddRlExpert(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new LiveFeatureFrames(sp.GetRequiredService<IDataProcessorState>(), LiveHistory));
        services.TryAddSingleton<IFeatureFrameSource>(sp => sp.GetRequiredService<LiveFeatureFrames>());
        services.TryAddSingleton(sp => new LiveCnnPredictions(sp.GetRequiredService<IPredictionFeed>(), sp.GetService<IModelRegistry>(), LiveHistory));
        services.TryAddSingleton<ICnnPredictionSource>(sp => sp.GetRequiredService<LiveCnnPredictions>());
        if (!services.Any(d => d.ServiceType == typeof(RlPolicyRegistry)))
        {
            services.AddSingleton(sp => new RlPolicyRegistry(
                sp.GetRequiredService<OnnxSessionFactory>(),
                sp.GetRequiredService<ModelsFolder>(),
                sp.GetRequiredService<IOptions<ModelsOptions>>(),
                sp.GetRequiredService<IAlertService>(),
                sp.GetRequiredService<IAuditLog>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RlPolicyRegistry>>(),
                sp.GetService<RunningFeatureSchema>(),
                sp.GetService<IFeatureFrameSource>(),
                sp.GetService<ICnnPredictionSource>(),
                sp.GetService<IModelRegistry>()));
            services.AddSingleton<IRlPolicySource>(sp => sp.GetRequiredService<RlPolicyRegistry>());
            services.AddHostedService(sp => sp.GetRequiredService<RlPolicyRegistry>());
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExpert, RlExpert>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value;
            return new RlExpert(
                sp.GetRequiredService<IRlPolicySource>(),
                sp.GetService<IFeatureFrameSource>(),
                sp.GetService<RunningFeatureSchema>()?.Current,
                sp.GetService<ICnnPredictionSource>(),
                TimeframeExtensions.Parse(options.Timeframe))
            {
                LongFraction = (double)options.LongFraction,
                ShortFraction = (double)options.ShortFraction,
            };
        }));
        return services;
    }

    /// <summary>
    /// Registers learning from outcomes: "Trading:Orchestrator:Learning" options (validated at start); the gate chosen by
    /// Trading:Orchestrator:Gate ("trained": the <see cref="TrainedGate"/> over MODELS/gate, falling back to the
    /// recent-accuracy gate while none is loaded; "recent-accuracy": the non-learned gate only); the SQLite
    /// <see cref="IDecisionOutcomeStore"/> (recording is wired into the orchestrator stage by AddOrchestrator when
    /// Learning:RecordDecisions is on); and the <see cref="OrchestratorLearningService"/> ("orchestrator-learning", as
    /// <see cref="IOrchestratorLearning"/> and <see cref="IManagedProcess"/>), which uses <see cref="IGateTrainer"/> and
    /// <see cref="IPolicyTrainer"/> when registered (else its status says "trainer not available"). Call with
    /// AddOrchestrator (either order); AddRlExpert for the RL track. Needs <see cref="SqliteDatabase"/>, the audit log and
    /// AddPivotModels.
    /// </summary>
    public static IServiceCollection AddOrchestratorLearning(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<OrchestratorLearningOptions>().BindConfiguration(OrchestratorLearningOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrchestratorLearningOptions>, OrchestratorLearningOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RecentAccuracyGate>();
        if (!services.Any(d => d.ServiceType == typeof(TrainedGate)))
        {
            services.AddSingleton<TrainedGate>();
            services.AddHostedService(sp => sp.GetRequiredService<TrainedGate>());
        }

        services.Replace(ServiceDescriptor.Singleton<IGate>(sp => UsesTrainedGate(sp)
            ? sp.GetRequiredService<TrainedGate>()
            : sp.GetRequiredService<RecentAccuracyGate>()));
        services.TryAddSingleton<IDecisionOutcomeStore>(sp => new SqliteDecisionOutcomeStore(
            sp.GetRequiredService<SqliteDatabase>(), sp.GetService<ILogger<SqliteDecisionOutcomeStore>>()));
        services.TryAddSingleton(sp =>
        {
            var trading = sp.GetService<IOptions<TradingOptions>>()?.Value ?? new TradingOptions();
            return new OrchestratorLearningService(
                sp.GetRequiredService<IDecisionOutcomeStore>(),
                sp.GetRequiredService<IAuditLog>(),
                sp.GetRequiredService<IAlertService>(),
                sp.GetRequiredService<IOptions<OrchestratorLearningOptions>>(),
                sp.GetRequiredService<IOptions<OrchestratorOptions>>(),
                sp.GetRequiredService<ModelsFolder>(),
                sp.GetServices<IExpert>().Select(e => e.Name).ToArray(),
                trading.PrimarySymbol,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<OrchestratorLearningService>>(),
                sp.GetService<IGateTrainer>(),
                sp.GetService<IPolicyTrainer>(),
                UsesTrainedGate(sp) ? sp.GetRequiredService<TrainedGate>() : null,
                sp.GetService<RlPolicyRegistry>(),
                sp.GetService<ICandleStore>(),
                sp.GetService<RunningFeatureSchema>(),
                sp.GetService<IModelRegistry>());
        });
        services.TryAddSingleton<IOrchestratorLearning>(sp => sp.GetRequiredService<OrchestratorLearningService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IManagedProcess, OrchestratorLearningService>(sp => sp.GetRequiredService<OrchestratorLearningService>()));
        return services;
    }

    private static bool UsesTrainedGate(IServiceProvider sp) =>
        string.Equals(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Gate, OrchestratorOptions.TrainedGateName, StringComparison.Ordinal);
}
