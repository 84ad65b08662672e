using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// Starts the AutoStart processes when the host starts (in registration order) and stops every process when it stops
/// (in reverse order, so producers stop before the stages that drain them).
/// </summary>
/// <remarks>
/// The processes stop in <see cref="StoppingAsync"/>, which the host runs before any hosted service's StopAsync: the
/// web server's StopAsync waits for open requests, and a request that never ends (a Blazor circuit whose disposal
/// hangs) would otherwise use up the whole shutdown timeout and leave the processes a cancelled token, so the
/// storage stage's final drain would race the container's disposal. <see cref="StopAsync"/> stops whatever still runs.
/// </remarks>
public sealed class ProcessHostService(IEnumerable<IManagedProcess> processes, ILogger<ProcessHostService> logger) : IHostedLifecycleService
{
    private readonly IReadOnlyList<IManagedProcess> _processes = processes.DistinctBy(p => p.Name, StringComparer.Ordinal).ToList();

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var process in _processes.Where(p => p.AutoStart))
        {
            logger.LogInformation("Starting process {Process}", process.Name);
            await process.StartAsync(cancellationToken);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => StopAllAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => StopAllAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task StopAllAsync(CancellationToken cancellationToken)
    {
        foreach (var process in _processes.Reverse())
        {
            if (process.GetInfo().State == ProcessState.Stopped)
            {
                continue;
            }

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
