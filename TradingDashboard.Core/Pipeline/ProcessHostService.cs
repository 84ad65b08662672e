using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// Starts the AutoStart processes when the host starts (in registration order) and stops every process when it stops
/// (in reverse order, so producers stop before the stages that drain them).
/// </summary>
public sealed class ProcessHostService(IEnumerable<IManagedProcess> processes, ILogger<ProcessHostService> logger) : IHostedService
{
    private readonly IReadOnlyList<IManagedProcess> _processes = processes.DistinctBy(p => p.Name, StringComparer.Ordinal).ToList();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var process in _processes.Where(p => p.AutoStart))
        {
            logger.LogInformation("Starting process {Process}", process.Name);
            await process.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var process in _processes.Reverse())
        {
            try
            {
                await process.StopAsync(cancellationToken);
                logger.LogInformation("Stopped process {Process}", process.Name);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Host shutdown timed out while stopping process {Process}", process.Name);
                return;
            }
        }
    }
}
