using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Orchestration;

/// <summary>The stage on the real paper exchange, order manager and risk manager: decisions, the Trades switch, the block while strategy-rule runs.</summary>
public sealed class OrchestratorProcessTests : IDisposable
{
    private const long M = 60_000;
    private readonly ThresholdTestDatabase _db = new(entry: 0.6, exit: 0.4);
    private readonly ScriptedExpert _expert = new("a");
    private readonly OrchestratorFeed _feed = new(10);

    public void Dispose() => _db.Dispose();

    private OrchestratorProcess Create(ExecutorHarness h, bool trades, Func<bool>? otherRunning = null)
    {
        var orchestrator = new Orchestrator([_expert], new FixedGate(1.0), new ExpertScoreboard(1, 10), _db.Store, OrchestrationTestKit.Mapper(), new VolatilityTracker(2, 3));
        var options = new OrchestratorOptions { Trades = trades, Timeframe = "1m", WarmupBars = 0 };
        return new OrchestratorProcess(orchestrator, _feed, h.Executor, null, ["ETHUSDT"], options, otherRunning ?? (() => false), h.Clock, NullLogger<OrchestratorProcess>.Instance);
    }

    private static async Task<TradingDashboard.Core.Domain.OHLCVBar> Market(ExecutorHarness h, int i)
    {
        var bar = Bar("ETHUSDT", T0 + (i * M), 2000, 2001, 1999, 2000, 1_000_000);
        h.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(bar.CloseTimeMs + 1));
        h.Exchange.OnBar(bar);
        await h.Executor.OnBarAsync(bar);
        return bar;
    }

    [Fact]
    public async Task With_trades_on_an_entry_reaches_the_executor_and_is_published()
    {
        using var h = new ExecutorHarness();
        using var process = Create(h, trades: true);
        Assert.Equal("orchestrator", process.Name);
        Assert.False(process.AutoStart);
        _expert.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "breakout");

        var bar = await Market(h, 0);
        var decision = await process.OnClosedBarAsync(bar, warmup: false);

        Assert.Equal(DecisionKind.Entry, decision!.Kind);
        Assert.StartsWith("Submitted", decision.Execution, StringComparison.Ordinal);
        Assert.Equal(1, h.Orders.OpenOrderCount);
        Assert.Same(decision, _feed.Latest.Single());
        Assert.Equal(1, _feed.Stats.Entries);
        Assert.Equal("a", _feed.Leaderboard.Single().Expert);
        // The same candle again (a cache replay) is not decided twice.
        Assert.Null(await process.OnClosedBarAsync(bar, warmup: false));
    }

    [Fact]
    public async Task Advisory_by_default_and_blocked_while_strategy_rule_trades()
    {
        using var h = new ExecutorHarness();
        using var advisory = Create(h, trades: false);
        _expert.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "breakout");
        var decision = await advisory.OnClosedBarAsync(await Market(h, 0), warmup: false);
        Assert.Equal("advisory: Trading:Orchestrator:Trades is off", decision!.Execution);
        Assert.Equal(0, h.Orders.OpenOrderCount);

        using var blocked = Create(h, trades: true, otherRunning: () => true);
        decision = await blocked.OnClosedBarAsync(await Market(h, 1), warmup: false);
        Assert.StartsWith("blocked", decision!.Execution, StringComparison.Ordinal);
        Assert.Equal(1, blocked.Blocked);
        Assert.Equal(0, h.Orders.OpenOrderCount);

        // Warm-up decisions are neither sent nor published.
        using var warm = Create(h, trades: true);
        Assert.NotNull(await warm.OnClosedBarAsync(await Market(h, 2), warmup: true));
        Assert.Equal(0, h.Orders.OpenOrderCount);
        Assert.Equal(2, _feed.Recent().Count);
    }

    [Fact]
    public void AddOrchestrator_registers_the_three_experts_the_gate_the_store_and_the_stage()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Trading:Orchestrator:EntryThreshold"] = "0.7",
            ["Trading:Orchestrator:ExitThreshold"] = "0.3",
        }).Build());
        services.AddSingleton(Options.Create(new TradingOptions { Symbols = ["ETHUSDT", "BTCUSDT"] }));
        services.AddSingleton(_db.Open());
        services.AddSingleton<IAuditLog>(_db.Audit);
        services.AddOrchestrator();
        services.AddExpert<ScriptedExpertForDi>();

        using var provider = services.BuildServiceProvider();

        Assert.Equal(["rule", "cnn", "fasttree", "scripted"], provider.GetServices<IExpert>().Select(e => e.Name));
        Assert.IsType<RecentAccuracyGate>(provider.GetRequiredService<IGate>());
        Assert.Equal(0.7, provider.GetRequiredService<IThresholdStore>().Get("BTCUSDT").Entry);
        var process = Assert.Single(provider.GetServices<IManagedProcess>());
        Assert.Equal("orchestrator", process.Name);
        Assert.Same(provider.GetRequiredService<OrchestratorFeed>(), provider.GetRequiredService<IOrchestratorFeed>());
    }

    [Fact]
    public async Task A_closed_trade_is_attributed_on_the_published_leaderboard()
    {
        using var h = new ExecutorHarness();
        using var process = Create(h, trades: true);
        _expert.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "breakout");
        Assert.Equal(DecisionKind.Entry, (await process.OnClosedBarAsync(await Market(h, 0), warmup: false))!.Kind);
        Assert.Null(_feed.Leaderboard.Single().PnlContribution);

        // The entry fills on the next bar; then a Sell at a close 2 % higher exits.
        _expert.Next = ExpertVote.Create(AgentAction.Hold, 0, "wait");
        await process.OnClosedBarAsync(await Market(h, 1), warmup: false);
        _expert.Next = ExpertVote.Create(AgentAction.Sell, 0.9, "target");
        var up = Bar("ETHUSDT", T0 + (2 * M), 2000, 2041, 1999, 2040, 1_000_000);
        h.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(up.CloseTimeMs + 1));
        h.Exchange.OnBar(up);
        await h.Executor.OnBarAsync(up);
        Assert.Equal(DecisionKind.Exit, (await process.OnClosedBarAsync(up, warmup: false))!.Kind);

        // By hand: the only expert has share 1; r = 0.5 (LongFraction) x (2040 / 2000 - 1 - 2 x 0.001) = 0.009.
        var score = _feed.Leaderboard.Single();
        Assert.Equal(0.009, score.PnlContribution!.Value, 12);
        Assert.Equal(1, score.AttributedTrades);
        Assert.Equal(0.009, _feed.LastAttributedTrade!.Return, 12);
        Assert.Equal(1, process.Attribution.ClosedTrades);
    }

    [Fact]
    public void Options_validation_names_the_bad_setting()
    {
        var result = new OrchestratorOptionsValidator().Validate(null, new OrchestratorOptions { EntryThreshold = 0.3, ExitThreshold = 0.5, Timeframe = "5m" });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Trading:Orchestrator:Timeframe", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("ExitThreshold", StringComparison.Ordinal));
        Assert.True(new OrchestratorOptionsValidator().Validate(null, new OrchestratorOptions()).Succeeded);
        var fee = new OrchestratorOptionsValidator().Validate(null, new OrchestratorOptions { AttributionFeeRate = 0.2 });
        Assert.Contains(fee.Failures!, f => f.Contains("AttributionFeeRate", StringComparison.Ordinal));
    }
}

/// <summary>An extra expert registered the way a new one would be: one class, one AddExpert.</summary>
internal sealed class ScriptedExpertForDi : IExpert
{
    public string Name => "scripted";

    public ExpertVote Vote(ExpertContext context) => ExpertVote.Abstain("test");
}
