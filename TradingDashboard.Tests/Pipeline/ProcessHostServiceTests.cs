using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

    [Fact]
    public async Task Processes_stop_before_any_hosted_service_stops_so_a_slow_web_server_cannot_use_up_their_time()
    {
        var events = new ConcurrentQueue<string>();
        var time = new FakeTimeProvider();
        using var process = new IdleProcess("stage", time);
        process.StateChanged += info => events.Enqueue($"stage {info.State}");

        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IManagedProcess>(process);
        builder.Services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        builder.Services.AddHostedService<ProcessHostService>();

        // Registered later, so the host stops it first (reverse order), as it does with the web server.
        builder.Services.AddHostedService(_ => new StopRecorder(events));
        using var host = builder.Build();
        await host.StartAsync();
        Assert.Equal(ProcessState.Running, process.GetInfo().State);

        await host.StopAsync();

        var order = events.ToList();
        Assert.Contains("stage Stopped", order);
        Assert.True(order.IndexOf("stage Stopped") < order.IndexOf("web server StopAsync"), string.Join(" | ", order));
    }

    private sealed class StopRecorder(ConcurrentQueue<string> events) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            events.Enqueue("web server StopAsync");
            return Task.CompletedTask;
        }
    }
}
