using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Trainer.Cnn;

public static class CnnTrainerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TorchModelTrainer"/> as the host's <see cref="IModelTrainer"/>, so continual learning can retrain
    /// the CNN in the background (one torch thread, never on the pipeline's threads).
    /// </summary>
    public static IServiceCollection AddCnnTrainer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IModelTrainer>(sp => new TorchModelTrainer(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<TorchModelTrainer>>(),
            baseOptions: null));
        return services;
    }
}
