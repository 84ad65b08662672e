using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.Pipeline;

public sealed class ProcessControllerTests : IDisposable
{
    private static readonly Actor Admin = new("alice", UserRole.Admin, "10.0.0.1");
    private static readonly Actor Viewer = new("victor", UserRole.Viewer, "10.0.0.2");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2024-10-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly InMemoryAuditLog _audit = new();
    private readonly AlertService _alerts;
    private readonly IdleProcess _feed;
    private readonly FaultingProcess _faulty;
    private readonly ProcessController _controller;

    public ProcessControllerTests()
    {
        _alerts = new AlertService(_time, NullLogger<AlertService>.Instance);
        _feed = new IdleProcess("feed", _time);
        _faulty = new FaultingProcess("faulty", _time, "disk on fire");
        _controller = new ProcessController([_feed, _faulty], _audit, _alerts, NullLogger<ProcessController>.Instance);
    }

    public void Dispose()
    {
        _controller.Dispose();
        _feed.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _feed.Dispose();
        _faulty.Dispose();
    }

    [Fact]
    public void Lists_every_process_stopped_at_first()
    {
        Assert.Equal(["feed", "faulty"], _controller.List().Select(p => p.Name));
        Assert.All(_controller.List(), p => Assert.Equal(ProcessState.Stopped, p.State));
        Assert.Equal("Test process feed", _controller.Get("feed")!.Description);
        Assert.Null(_controller.Get("nope"));
    }

    [Fact]
    public async Task An_admin_starts_and_stops_a_process_and_both_are_audited()
    {
        var started = await _controller.StartAsync("feed", Admin);
        Assert.Equal(ProcessState.Running, started.State);
        Assert.Equal(_time.GetUtcNow(), started.StartedAt);

        var stopped = await _controller.StopAsync("feed", Admin);
        Assert.Equal(ProcessState.Stopped, stopped.State);
        Assert.Equal(ProcessState.Stopped, _feed.GetInfo().State);

        Assert.Equal(
            [
                ("alice", "10.0.0.1", "process.start", "feed", "Stopped", "Running", true),
                ("alice", "10.0.0.1", "process.stop", "feed", "Running", "Stopped", true),
            ],
            _audit.Entries.Select(e => (e.Actor, e.Address, e.Action, e.Target, e.Before, e.After, e.Allowed)));
    }

    [Fact]
    public async Task A_viewer_is_refused_audited_and_changes_nothing()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => _controller.StartAsync("feed", Viewer));
        Assert.Equal(ProcessState.Stopped, _feed.GetInfo().State);
        Assert.Equal(0, _feed.Runs);

        await _controller.StartAsync("feed", Admin);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _controller.StopAsync("feed", Viewer));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _controller.StopAsync("feed", Actor.Anonymous("10.9.9.9")));
        Assert.Equal(ProcessState.Running, _feed.GetInfo().State);

        Assert.Equal(
            [
                ("victor", "process.start", "Stopped", "Stopped", false),
                ("alice", "process.start", "Stopped", "Running", true),
                ("victor", "process.stop", "Running", "Running", false),
                ("anonymous", "process.stop", "Running", "Running", false),
            ],
            _audit.Entries.Select(e => (e.Actor, e.Action, e.Before, e.After, e.Allowed)));
    }

    [Fact]
    public async Task An_unknown_process_is_reported_as_such_to_an_admin()
    {
        var ex = await Assert.ThrowsAsync<UnknownProcessException>(() => _controller.StartAsync("nope", Admin));
        Assert.Equal("nope", ex.ProcessName);
        // A viewer is refused before the name matters, and the attempt is audited.
        await Assert.ThrowsAsync<AccessDeniedException>(() => _controller.StopAsync("nope", Viewer));
        var entry = Assert.Single(_audit.Entries);
        Assert.Equal(("nope", false, (string?)null), (entry.Target, entry.Allowed, entry.Before));
    }

    [Fact]
    public async Task A_fault_shows_as_faulted_with_the_last_error_and_raises_an_alert()
    {
        var heard = new List<ProcessInfo>();
        using var subscription = _controller.Subscribe(info =>
        {
            lock (heard)
            {
                heard.Add(info);
            }
        });

        await _controller.StartAsync("faulty", Admin);
        await WaitUntilAsync(() => _controller.Get("faulty")!.State == ProcessState.Faulted, "the process faults");

        var info = _controller.Get("faulty")!;
        Assert.Equal("disk on fire", info.LastError);
        Assert.Equal(_time.GetUtcNow(), info.LastErrorAt);
        var alert = Assert.Single(_alerts.Recent());
        Assert.Equal((AlertSeverity.Error, ProcessController.AlertCategory), (alert.Severity, alert.Category));
        Assert.Contains("faulty", alert.Message, StringComparison.Ordinal);
        Assert.Contains("disk on fire", alert.Message, StringComparison.Ordinal);
        lock (heard)
        {
            Assert.Contains(heard, i => i.Name == "faulty" && i.State == ProcessState.Faulted);
        }

        // Restarting a faulted process runs it again (and it faults again).
        await _controller.StartAsync("faulty", Admin);
        await WaitUntilAsync(() => _alerts.Recent().Count == 2, "the second fault is alerted");
    }

    [Fact]
    public async Task The_message_rate_comes_from_the_process()
    {
        await _controller.StartAsync("feed", Admin);
        await WaitUntilAsync(() => _controller.Get("feed")!.MessagesTotal == 3, "the process counts its messages");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3 / 5.0, _controller.Get("feed")!.MessagesPerSecond, 9);
    }
}
