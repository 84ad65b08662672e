using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Tests.Pipeline;

public sealed class ProcessHostServiceTests
{
    [Fact]
    public async Task Starts_the_auto_start_processes_and_stops_them_all()
    {
        var time = new FakeTimeProvider();
        using var auto = new IdleProcess("auto", time);
        using var manual = new IdleProcess("manual", time, autoStart: false);
        var host = new ProcessHostService([auto, manual], NullLogger<ProcessHostService>.Instance);

        await host.StartAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Running, auto.GetInfo().State);
        Assert.Equal(ProcessState.Stopped, manual.GetInfo().State);

        await manual.StartAsync(CancellationToken.None);
        await host.StopAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Stopped, auto.GetInfo().State);
        Assert.Equal(ProcessState.Stopped, manual.GetInfo().State);
    }
}
