using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Orchestration;

namespace TradingDashboard.Trainer.Gate;

public static class GateTrainerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TorchGateTrainer"/> as the host's <see cref="IGateTrainer"/>, so the background retraining can
    /// train the orchestrator's gate in-process (one torch thread, never on the pipeline's threads).
    /// </summary>
    public static IServiceCollection AddGateTrainer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGateTrainer>(sp => new TorchGateTrainer(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<TorchGateTrainer>>(),
            baseOptions: null));
        return services;
    }
}
