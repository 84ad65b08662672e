using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Pipeline;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.Pipeline;

public sealed class ManagedProcessTests
{
    /// <summary>A stage that finishes its current work before honouring a stop.</summary>
    private sealed class SlowStopProcess(TimeProvider time) : ManagedProcess(time, NullLogger.Instance)
    {
        public TaskCompletionSource WorkDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => "slow";

        public override string Description => "Slow to stop";

        protected override async Task RunAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            await WorkDone.Task;
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    [Fact]
    public async Task A_stop_whose_caller_gave_up_still_ends_stopped_and_a_restart_works()
    {
        using var process = new SlowStopProcess(new FakeTimeProvider());
        await process.StartAsync(CancellationToken.None);
        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => process.StopAsync(impatient.Token));
        Assert.Equal(ProcessState.Stopping, process.GetInfo().State);
        await process.StartAsync(CancellationToken.None); // ignored while stopping
        Assert.Equal(ProcessState.Stopping, process.GetInfo().State);

        process.WorkDone.SetResult();
        await WaitUntilAsync(() => process.GetInfo().State == ProcessState.Stopped, "the stop completes");

        await process.StartAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Running, process.GetInfo().State);
        await process.StopAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Stopped, process.GetInfo().State);
    }
}
