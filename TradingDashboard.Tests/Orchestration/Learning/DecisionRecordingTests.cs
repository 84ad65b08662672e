using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using static TradingDashboard.Tests.Orchestration.OrchestrationTestKit;

namespace TradingDashboard.Tests.Orchestration.Learning;

public sealed class DecisionRecordingTests : IDisposable
{
    private readonly ThresholdTestDatabase _db = new(entry: 0.6, exit: 0.4);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));

    public void Dispose() => _db.Dispose();

    private SqliteDecisionOutcomeStore Store() => new(_db.Open(), NullLogger<SqliteDecisionOutcomeStore>.Instance);

    private (OrchestratorProcess Process, ScriptedExpert A, ScriptedExpert B) Process(IDecisionOutcomeStore store, int horizon, string mode = "paper")
    {
        var a = new ScriptedExpert("a");
        var b = new ScriptedExpert("b");
        var orchestrator = new Orchestrator([a, b], new RecentAccuracyGate(0.1), new ExpertScoreboard(horizon, 10), _db.Store, Mapper(), new VolatilityTracker(2, 3));
        var options = new OrchestratorOptions { Timeframe = "1m", WarmupBars = 0, ScoreHorizonBars = horizon };
        var process = new OrchestratorProcess(orchestrator, new OrchestratorFeed(10), null, null, ["ETHUSDT", "BTCUSDT"], options, () => false, _time, NullLogger<OrchestratorProcess>.Instance, store, mode);
        return (process, a, b);
    }

    [Fact]
    public async Task Live_decisions_are_recorded_with_the_gate_inputs_and_resolve_horizon_bars_later()
    {
        var store = Store();
        var (process, a, b) = Process(store, horizon: 2, mode: "live");
        a.Next = ExpertVote.Create(AgentAction.Buy, 0.8, "up");
        b.Next = ExpertVote.Abstain("no model");

        // A warm-up decision is not recorded.
        await process.OnClosedBarAsync(Bar(0, 90), warmup: true);
        Assert.Equal(0, store.Stats.Recorded);

        double[] closes = [100, 103, 99, 104, 110];
        for (var i = 0; i < closes.Length; i++)
        {
            await process.OnClosedBarAsync(Bar(i + 1, closes[i]), warmup: false);
            await process.OnClosedBarAsync(Bar(i + 1, 40_000, "BTCUSDT"), warmup: false); // another symbol: never resolves ETH's
        }

        var stats = store.Stats;
        Assert.Equal(10, stats.Recorded);

        // ETH decisions at closes 100, 103, 99 resolve two bars later (99, 104, 110); BTC's three earliest too (r = 0).
        Assert.Equal(6, stats.Resolved);
        Assert.Equal(4, stats.Pending);
        var eth = store.Resolved(100).Where(d => d.Context.Symbol == "ETHUSDT").ToList();
        Assert.Equal(3, eth.Count);
        Assert.Equal([(99 / 100.0) - 1, (104 / 103.0) - 1, (110 / 99.0) - 1], eth.Select(d => d.ForwardReturn!.Value).ToArray(), new Tolerance(1e-12));
        var first = eth[0];
        Assert.Equal("live", first.Mode);
        Assert.Equal(100, first.Close);
        Assert.Equal(2, first.HorizonBars);
        Assert.Equal(RecentAccuracyGate.GateName, first.Gate);
        Assert.Equal([1.0, 0.0], first.Weights);
        Assert.Equal(["a", "b"], first.Context.Experts.Select(e => e.Expert));
        Assert.True(first.Context.Experts[1].Vote.Abstained);
        Assert.Equal(AgentAction.Buy, first.Context.Experts[0].Vote.Action);
        Assert.Equal(0.8, first.Context.Experts[0].Vote.Confidence);
        Assert.Equal(DecisionKind.Entry, first.Kind);
        Assert.Equal(_time.GetUtcNow(), first.ResolvedAt);
    }

    [Fact]
    public async Task Pending_decisions_survive_a_restart_and_resolve_on_the_replayed_bars()
    {
        var store = Store();
        var (process, a, _) = Process(store, horizon: 3);
        a.Next = ExpertVote.Create(AgentAction.Sell, 0.5, "down");
        await process.OnClosedBarAsync(Bar(0, 200), warmup: false);
        await process.OnClosedBarAsync(Bar(1, 210), warmup: false);
        Assert.Equal(2, store.Stats.Pending);

        // Restart: a new store on the same file and a new stage; the warm-up replays bars 0..4 (4 is past bar 0's and bar 1's horizon).
        var reopened = Store();
        Assert.Equal(2, reopened.Stats.Recorded);
        Assert.Equal(2, reopened.Stats.Pending);
        var (again, _, _) = Process(reopened, horizon: 3);
        for (var i = 0; i <= 4; i++)
        {
            await again.OnClosedBarAsync(Bar(i, 200 + (10 * i)), warmup: true);
        }

        var resolved = reopened.Resolved(10);
        Assert.Equal(2, resolved.Count);
        Assert.Equal((230 / 200.0) - 1, resolved[0].ForwardReturn!.Value, 12); // bar 3 is bar 0's horizon bar
        Assert.Equal((240 / 210.0) - 1, resolved[1].ForwardReturn!.Value, 12);
        Assert.Equal("paper", resolved[0].Mode);
    }

    [Fact]
    public async Task A_bad_row_is_counted_and_skipped()
    {
        var store = Store();
        var (process, a, _) = Process(store, horizon: 1);
        a.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "up");
        await process.OnClosedBarAsync(Bar(0, 100), warmup: false);
        await process.OnClosedBarAsync(Bar(1, 101), warmup: false);
        using (var connection = _db.Open().Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE orchestrator_decisions SET payload = '{not json' WHERE bar_open_ms = $open";
            command.Parameters.AddWithValue("$open", Bar(1, 0).OpenTimeMs);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var reopened = Store();
        var (again, b, _) = Process(reopened, horizon: 1);
        b.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "up");
        Assert.Null(await Record.ExceptionAsync(() => again.OnClosedBarAsync(Bar(2, 102), warmup: false)));
        Assert.Equal(1, reopened.Stats.BadRows);
        Assert.Single(reopened.Resolved(10)); // bar 0's decision (resolved by bar 1 before the row went bad)

        // A resolved row damaged later is counted once, however often the record is read.
        using (var connection = _db.Open().Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE orchestrator_decisions SET payload = '[]' WHERE bar_open_ms = $open";
            command.Parameters.AddWithValue("$open", Bar(0, 0).OpenTimeMs);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        Assert.Empty(reopened.Resolved(10));
        Assert.Empty(reopened.Resolved(10));
        Assert.Equal((2L, 0L), (reopened.Stats.BadRows, reopened.Stats.Resolved));
        SqliteConnection.ClearAllPools();
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
