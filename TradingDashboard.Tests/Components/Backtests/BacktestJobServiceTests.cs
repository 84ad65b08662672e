using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Storage;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Risk;
using TradingDashboard.Ui;
using static TradingDashboard.Tests.Components.Backtests.BacktestPageTestKit;

namespace TradingDashboard.Tests.Components.Backtests;

public sealed class BacktestJobServiceTests
{
    private static readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider Time = new(Day.AddDays(10));

    private static BacktestRequest Request(string strategy = Strategy, string symbol = "ETHUSDT", int days = 1) =>
        new(strategy, [symbol], Timeframe.OneMinute, Day, Day.AddDays(days));

    [Fact]
    public async Task A_viewer_cannot_launch_and_the_attempt_is_audited()
    {
        var audit = new RecordingAuditLog(Time);
        using var jobs = Service(new InMemoryCandleStore(Bars()), audit, Time);

        await Assert.ThrowsAsync<AccessDeniedException>(() => jobs.StartAsync(RiskTestKit.Viewer, Request()));

        Assert.Null(jobs.Latest);
        var entry = Assert.Single(audit.Entries);
        Assert.Equal(("victor", "backtest", false), (entry.Actor, entry.Action, entry.Allowed));
        await Assert.ThrowsAsync<AccessDeniedException>(() => jobs.CancelAsync(RiskTestKit.Viewer));
    }

    [Fact]
    public async Task One_run_at_a_time_and_a_canceled_run_frees_the_slot()
    {
        var store = new InMemoryCandleStore(Bars()) { Gate = new TaskCompletionSource() };
        using var jobs = Service(store, new RecordingAuditLog(Time), Time);

        var first = await jobs.StartAsync(RiskTestKit.Admin, Request());
        await Assert.ThrowsAsync<InvalidOperationException>(() => jobs.StartAsync(RiskTestKit.Admin, Request()));
        Assert.True(await jobs.CancelAsync(RiskTestKit.Admin));
        await jobs.Completion;

        Assert.Equal(BacktestJobState.Canceled, jobs.Latest!.State);
        Assert.Equal(first.Id, jobs.Latest.Id);
        Assert.False(await jobs.CancelAsync(RiskTestKit.Admin));

        store.Gate = null;
        var second = await jobs.StartAsync(RiskTestKit.Admin, Request());
        await jobs.Completion;
        Assert.Equal((second.Id, BacktestJobState.Completed), (jobs.Latest!.Id, jobs.Latest.State));
        Assert.Equal([second.Id, first.Id], jobs.Jobs.Select(j => j.Id).ToArray());
    }

    [Fact]
    public async Task A_completed_run_matches_the_backtester_and_reports_progress()
    {
        using var jobs = Service(new InMemoryCandleStore(Bars()), new RecordingAuditLog(Time), Time);
        var seen = new List<BacktestJob>();
        using var subscription = jobs.Subscribe(j =>
        {
            lock (seen)
            {
                seen.Add(j);
            }
        });
        var expected = await ExpectedAsync();

        await jobs.StartAsync(RiskTestKit.Admin, Request());
        await jobs.Completion;

        var job = jobs.Latest!;
        Assert.Equal(BacktestJobState.Completed, job.State);
        Assert.Equal(600, job.TotalBars);
        Assert.Equal(expected.FinalEquity, job.Result!.FinalEquity);
        Assert.Equal(expected.Fills, job.Result.Fills);
        Assert.Equal(1.0, job.Fraction);
        Assert.Contains(seen, j => j.State == BacktestJobState.Running && j.Progress.Bars > 0 && j.Progress.Bars < 600);
        // 600 bars fit under MaxChartPoints: every close is kept, at each bar's close time.
        var prices = job.Prices["ETHUSDT"];
        Assert.Equal(600, prices.Count);
        Assert.Equal((Bars()[0].CloseTimeMs, Bars()[0].Close), (prices[0].TimeMs, prices[0].Close));
    }

    [Fact]
    public async Task Bad_requests_are_rejected_at_the_boundary_and_empty_data_fails_plainly()
    {
        using var jobs = Service(new InMemoryCandleStore(Bars()), new RecordingAuditLog(Time), Time);

        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(RiskTestKit.Admin, Request(symbol: "DOGEUSDT")));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(RiskTestKit.Admin, Request(strategy: "nope")));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(RiskTestKit.Admin, Request(days: 0)));
        Assert.Null(jobs.Latest);

        await jobs.StartAsync(RiskTestKit.Admin, Request() with { From = Day.AddDays(5), To = Day.AddDays(6) });
        await jobs.Completion;
        Assert.Equal(BacktestJobState.Failed, jobs.Latest!.State);
        Assert.StartsWith("No stored 1m candles for ETHUSDT", jobs.Latest.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_series_are_downsampled_for_the_chart_keeping_the_last_close()
    {
        var bars = Backtesting.BacktestTestKit.RandomWalk(5_001, seed: 3, ("ETHUSDT", 2000));
        using var jobs = Service(new InMemoryCandleStore(bars), new RecordingAuditLog(Time), Time);

        await jobs.StartAsync(RiskTestKit.Admin, Request(strategy: "buy-and-hold", days: 5));
        await jobs.Completion;

        // step = ceil(5001 / 2000) = 3: bars 0, 3, ..., 4998 (1667 points) plus the last bar 5000.
        var prices = jobs.Latest!.Prices["ETHUSDT"];
        Assert.Equal(1668, prices.Count);
        Assert.Equal(bars[3].Close, prices[1].Close);
        Assert.Equal(bars[^1].Close, prices[^1].Close);
    }

    [Fact]
    public void AddBacktestJobs_registers_one_service_built_from_the_host_options()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<ICandleStore>(new InMemoryCandleStore(Bars()));
        services.AddSingleton<StrategyCatalog>();
        services.AddSingleton<IAuditLog>(new RecordingAuditLog(Time));
        services.AddSingleton(Options.Create(BacktestPageTestKit.Execution()));
        services.AddSingleton(Options.Create(new RiskOptions()));

        services.AddBacktestJobs().AddBacktestJobs();
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(BacktestJobService));
        var jobs = provider.GetRequiredService<BacktestJobService>();
        Assert.Same(jobs, provider.GetRequiredService<BacktestJobService>());
        Assert.Equal(["ETHUSDT"], jobs.KnownSymbols);
    }
}
