using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Core.Models;

public static class PivotModelsServiceCollectionExtensions
{
    /// <summary>
    /// Registers model serving: "Trading:Models" options (validated at start), the ONNX session and model factories, the
    /// <see cref="RunningFeatureSchema"/>, the <see cref="ModelRegistry"/> (singleton and hosted service: loads the models
    /// folder at start and watches it), the <see cref="PredictionFeed"/>, and the "cnn-inference" stage as an
    /// <see cref="IManagedProcess"/>. Needs the data processor (<c>AddDataProcessor</c>) and an <c>IAuditLog</c> (security).
    /// The models folder is resolved against the repository root when the host runs from a checkout (the folder holding
    /// TradingDashboard.sln, as for the other data paths), else against the content root.
    /// </summary>
    public static IServiceCollection AddPivotModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAlertService, AlertService>();
        services.TryAddSingleton(sp => new ModelsFolder(sp.GetRequiredService<IOptions<ModelsOptions>>().Value
            .ResolveDirectory(BaseDirectory(sp.GetRequiredService<IHostEnvironment>().ContentRootPath))));
        services.TryAddSingleton<RunningFeatureSchema>();
        services.TryAddSingleton<OnnxSessionFactory>();
        services.TryAddSingleton<IPivotModelFactory, OnnxPivotModelFactory>();
        services.TryAddSingleton<ITrainingRuns, FileTrainingRuns>();
        services.TryAddSingleton<TradingDashboard.Core.Reinforcement.FileRlTrainingRuns>();
        services.TryAddSingleton<TradingDashboard.Core.Reinforcement.IRlTrainingRuns>(sp => sp.GetRequiredService<TradingDashboard.Core.Reinforcement.FileRlTrainingRuns>());
        services.TryAddSingleton<PredictionFeed>();
        services.TryAddSingleton<IPredictionFeed>(sp => sp.GetRequiredService<PredictionFeed>());
        if (!services.Any(d => d.ServiceType == typeof(ModelRegistry)))
        {
            services.AddSingleton<ModelRegistry>();
            services.AddSingleton<IModelRegistry>(sp => sp.GetRequiredService<ModelRegistry>());
            services.AddHostedService(sp => sp.GetRequiredService<ModelRegistry>());
        }

        if (!services.Any(d => d.ServiceType == typeof(CnnInferenceStage)))
        {
            services.AddSingleton<CnnInferenceStage>();
            services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<CnnInferenceStage>());
        }

        return services;
    }

    /// <summary>The repository root (see <see cref="RepositoryRoot"/>), else the content root.</summary>
    internal static string BaseDirectory(string contentRoot) => RepositoryRoot.BaseDirectory(contentRoot);
}
