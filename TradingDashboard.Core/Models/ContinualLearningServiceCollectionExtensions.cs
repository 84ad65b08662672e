using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Models;

public static class ContinualLearningServiceCollectionExtensions
{
    /// <summary>
    /// Registers prediction outcomes and continual learning: "Trading:Models:Outcomes" and
    /// "Trading:Models:ContinualLearning" options (validated at start), the SQLite stores, <see cref="IPredictionOutcomes"/>
    /// (<see cref="PredictionOutcomeTracker"/>) with its "prediction-outcomes" process, and <see cref="IContinualLearning"/>
    /// (<see cref="ContinualLearningService"/>, the "continual-learning" process). Needs <see cref="SqliteDatabase"/>,
    /// <see cref="IDataProcessorState"/>, <see cref="ICandleStore"/>, <see cref="IAuditLog"/> and <see cref="IAlertService"/>;
    /// uses <see cref="IPredictionFeed"/>, <see cref="IModelRegistry"/>, <see cref="IModelTrainer"/>, <see cref="ICandleCache"/>
    /// and <see cref="IPivotStore"/> when registered (without a trainer, retraining answers "trainer not available in this host").
    /// </summary>
    public static IServiceCollection AddContinualLearning(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PredictionOutcomeOptions>().BindConfiguration(PredictionOutcomeOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PredictionOutcomeOptions>, PredictionOutcomeOptionsValidator>());
        services.AddOptions<ContinualLearningOptions>()
            .BindConfiguration(ContinualLearningOptions.SectionName)
            .PostConfigure<IConfiguration, IHostEnvironment>((options, configuration, environment) =>
            {
                // Default: the models folder the registry watches; relative paths resolve against the repository root above
                // the content root (as the registry's do when the host runs from a checkout), so a retrained model and its
                // run record land where models live, not under TradingDashboard/.
                var directory = string.IsNullOrWhiteSpace(options.OutputDirectory)
                    ? configuration["Trading:Models:Directory"] is { Length: > 0 } models ? models : new ModelsOptions().Directory
                    : options.OutputDirectory;
                options.OutputDirectory = new ModelsOptions { Directory = directory }.ResolveDirectory(RepositoryRoot.Find(environment.ContentRootPath) ?? environment.ContentRootPath);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ContinualLearningOptions>, ContinualLearningOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<TradingOptions>)))
        {
            services.AddOptions<TradingOptions>().BindConfiguration(TradingOptions.SectionName);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new SqlitePredictionOutcomeStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton(sp => new SqliteContinualLearningStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton(sp => new PredictionOutcomeTracker(
            sp.GetRequiredService<SqlitePredictionOutcomeStore>(),
            sp.GetRequiredService<IOptions<PredictionOutcomeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PredictionOutcomeTracker>>()));
        services.TryAddSingleton<IPredictionOutcomes>(sp => sp.GetRequiredService<PredictionOutcomeTracker>());
        services.TryAddSingleton(sp => new ContinualLearningService(
            sp.GetRequiredService<IDataProcessorState>(),
            sp.GetRequiredService<ICandleStore>(),
            sp.GetRequiredService<SqliteContinualLearningStore>(),
            sp.GetRequiredService<IAuditLog>(),
            sp.GetRequiredService<IAlertService>(),
            sp.GetRequiredService<IOptions<ContinualLearningOptions>>(),
            sp.GetRequiredService<IOptions<TradingOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ContinualLearningService>>(),
            sp.GetService<IModelTrainer>(),
            sp.GetService<IModelRegistry>()));
        services.TryAddSingleton<IContinualLearning>(sp => sp.GetRequiredService<ContinualLearningService>());
        if (!services.Any(d => d.ServiceType == typeof(PredictionOutcomeProcess)))
        {
            services.AddSingleton(sp => new PredictionOutcomeProcess(
                sp.GetRequiredService<PredictionOutcomeTracker>(),
                sp.GetRequiredService<IDataProcessorState>(),
                sp.GetService<ICandleCache>(),
                sp.GetService<IPredictionFeed>(),
                sp.GetService<IModelRegistry>(),
                sp.GetService<ICandleStore>(),
                sp.GetService<IPivotStore>(),
                sp.GetRequiredService<IOptions<PredictionOutcomeOptions>>(),
                sp.GetRequiredService<IOptions<TradingOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<PredictionOutcomeProcess>>()));
            services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<PredictionOutcomeProcess>());
            services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<ContinualLearningService>());
        }

        return services;
    }
}
