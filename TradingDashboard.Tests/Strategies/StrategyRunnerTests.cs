using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Strategies;
using TradingDashboard.Tests.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Strategies;

/// <summary>The live path: closed candles -> strategy -> TradingExecutor.ApplyTargetAsync on the paper exchange.</summary>
public class StrategyRunnerTests
{
    private const long M = 60_000;

    /// <summary>Returns a long target on the bars listed, a flat one on the others listed.</summary>
    private sealed class ScriptedStrategy(Dictionary<long, decimal> targets) : IStrategy
    {
        public List<(long OpenMs, bool Warmup, decimal Position)> Seen { get; } = [];

        public string Name => "scripted";

        public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
        {
            Seen.Add((bar.OpenTimeMs, context.IsWarmup, context.PositionOf(bar.Symbol)));
            return targets.TryGetValue(bar.OpenTimeMs, out var fraction)
                ? new PositionTarget(bar.Symbol, fraction, Name, 1.0, "script", context.Now)
                : null;
        }
    }

    private sealed class FakeCandleCache(IReadOnlyList<OHLCVBar> history) : ICandleCache
    {
        private Action<OHLCVBar>? _handler;

        public bool HasSubscriber => Volatile.Read(ref _handler) is not null;

        public IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit) =>
            history.Where(b => b.Symbol == symbol && b.Timeframe == timeframe).TakeLast(limit).ToList();

        public IDisposable Subscribe(Action<OHLCVBar> handler)
        {
            Volatile.Write(ref _handler, handler);
            return new Unsubscribe(() => Volatile.Write(ref _handler, null));
        }

        public void Publish(OHLCVBar bar) => _handler?.Invoke(bar);

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    /// <summary>What the execution stage does with a closed candle: venue first, then the executor.</summary>
    private static async Task Market(ExecutorHarness h, OHLCVBar bar)
    {
        h.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(bar.CloseTimeMs + 1));
        h.Exchange.OnBar(bar);
        await h.Executor.OnBarAsync(bar);
    }

    [Fact]
    public async Task Targets_go_to_the_executor_and_fill_on_the_next_bar_warmup_targets_are_dropped()
    {
        using var h = new ExecutorHarness();
        var t0 = T0;
        var strategy = new ScriptedStrategy(new() { [t0] = 1m, [t0 + M] = 1m, [t0 + 3 * M] = 0m, [t0 + 5 * M] = 1m });
        var runner = new StrategyRunner(strategy, h.Executor, h.Clock);

        var bars = Enumerable.Range(0, 6).Select(i => Bar("ETHUSDT", t0 + i * M, 2000, 2001, 1999, 2000, 1_000_000)).ToList();
        await Market(h, bars[0]);
        Assert.Null(await runner.OnClosedBarAsync(bars[0], warmup: true)); // warm-up: the target is not sent
        Assert.Equal(0, h.Orders.OpenOrderCount);

        await Market(h, bars[1]);
        var entry = await runner.OnClosedBarAsync(bars[1], warmup: false);
        Assert.Equal(TargetAction.Submitted, entry!.Action);
        Assert.Equal(OrderSide.Buy, entry.Order!.Intent.Side);
        Assert.Null(await runner.OnClosedBarAsync(bars[1], warmup: false)); // repeated candle: ignored

        await Market(h, bars[2]);
        Assert.True(h.Orders.Positions.QuantityOf("ETHUSDT") > 0);
        Assert.Null(await runner.OnClosedBarAsync(bars[2], warmup: false));

        await Market(h, bars[3]);
        var exit = await runner.OnClosedBarAsync(bars[3], warmup: false);
        Assert.Equal(TargetAction.Submitted, exit!.Action);
        Assert.Equal(OrderSide.Sell, exit.Order!.Intent.Side);
        await Market(h, bars[4]);
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Null(await runner.OnClosedBarAsync(bars[4], warmup: false));

        Assert.Equal([t0, t0 + M, t0 + 2 * M, t0 + 3 * M, t0 + 4 * M], strategy.Seen.Select(x => x.OpenMs));
        Assert.Equal([true, false, false, false, false], strategy.Seen.Select(x => x.Warmup));
        Assert.Equal(0m, strategy.Seen[1].Position);
        Assert.True(strategy.Seen[2].Position > 0);
        Assert.Equal(strategy.Seen[2].Position, strategy.Seen[3].Position);
        Assert.Equal(0m, strategy.Seen[4].Position);
        Assert.Equal(2, runner.TargetsSent);
        Assert.Equal(5, runner.BarsSeen);
    }

    [Fact]
    public async Task The_stage_warms_up_from_the_cache_then_trades_new_closed_candles_of_its_symbol_and_timeframe()
    {
        using var h = new ExecutorHarness();
        var t0 = T0 + 10 * M;
        var history = Enumerable.Range(-3, 3).Select(i => Bar("ETHUSDT", t0 + i * M, 2000, 2001, 1999, 2000, 1_000_000)).ToList();
        var cache = new FakeCandleCache(history);
        var strategy = new ScriptedStrategy(new() { [t0 - 2 * M] = 1m, [t0] = 1m });
        var options = new RuleStrategyOptions { Timeframe = "1m", WarmupBars = 10, AutoStart = true };
        using var process = new RuleStrategyProcess(() => strategy, h.Executor, cache, "ETHUSDT", options, h.Clock, NullLogger<RuleStrategyProcess>.Instance);
        Assert.Equal("strategy-rule", process.Name);
        Assert.True(process.AutoStart);
        foreach (var bar in history)
        {
            await Market(h, bar);
        }

        await process.StartAsync(CancellationToken.None);
        await Until(() => cache.HasSubscriber && process.Runner?.BarsSeen == 3);
        Assert.Equal(0, h.Orders.OpenOrderCount); // the warm-up target was not sent

        var live = Bar("ETHUSDT", t0, 2000, 2001, 1999, 2000, 1_000_000);
        await Market(h, live);
        cache.Publish(live with { Timeframe = Timeframe.OneHour });
        cache.Publish(live with { Symbol = "BTCUSDT" });
        cache.Publish(live with { IsClosed = false });
        cache.Publish(history[^1]); // already seen in the warm-up
        cache.Publish(live);
        await Until(() => process.Runner!.TargetsSent == 1);
        Assert.Equal(TargetAction.Submitted, process.Runner!.LastOutcome!.Action);
        Assert.Equal(4, process.Runner.BarsSeen);
        Assert.Equal(1, h.Orders.OpenOrderCount);
        Assert.Equal(0, process.Dropped);
        await process.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Options_are_validated_and_autostart_defaults_off()
    {
        var validator = new RuleStrategyOptionsValidator();
        Assert.True(validator.Validate(null, new RuleStrategyOptions()).Succeeded);
        Assert.False(new RuleStrategyOptions().AutoStart);
        var bad = validator.Validate(null, new RuleStrategyOptions { Timeframe = "5m", Level = 0, AtrPeriod = 0, WarmupBars = -1 });
        Assert.True(bad.Failed);
        Assert.Contains("Trading:Strategies:Rule:Timeframe", bad.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Trading:Strategies:Rule:Level", bad.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Trading:Strategies:Rule:AtrPeriod", bad.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Trading:Strategies:Rule:WarmupBars", bad.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRuleStrategy_binds_the_section_and_creates_the_rule_expert_through_the_catalog()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Trading:Strategies:Rule:AutoStart"] = "true",
            ["Trading:Strategies:Rule:Level"] = "3",
        }).Build();
        using var h = new ExecutorHarness();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(h.Executor);
        services.AddSingleton<TimeProvider>(h.Clock);
        services.AddRuleStrategy(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(3, provider.GetRequiredService<IOptions<RuleStrategyOptions>>().Value.Level);
        var process = provider.GetServices<Core.Pipeline.IManagedProcess>().OfType<RuleStrategyProcess>().Single();
        Assert.True(process.AutoStart);
        Assert.Contains("level-3", process.Description, StringComparison.Ordinal);
        Assert.Contains("ETHUSDT", process.Description, StringComparison.Ordinal); // the default primary symbol
        var rule = Assert.IsType<PivotBreakoutStrategy>(provider.GetRequiredService<StrategyCatalog>().Create("rule:3", ["ETHUSDT"]));
        Assert.Equal(3, rule.Settings.Level);
    }
}
