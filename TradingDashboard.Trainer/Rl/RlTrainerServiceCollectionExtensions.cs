using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Trainer.Rl;

public static class RlTrainerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TorchPolicyTrainer"/> as the host's <see cref="IPolicyTrainer"/> (background RL retraining on
    /// one torch thread). Run records go to the registered <see cref="ModelsFolder"/> (MODELS/runs/rl) when there is one.
    /// </summary>
    public static IServiceCollection AddPolicyTrainer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPolicyTrainer>(sp => new TorchPolicyTrainer(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ModelsFolder>(),
            sp.GetService<ILogger<TorchPolicyTrainer>>()));
        return services;
    }
}
