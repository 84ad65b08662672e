using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Risk;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;
using static TradingDashboard.Tests.Reinforcement.RlTestKit;

namespace TradingDashboard.Tests.Reinforcement;

public class TradingEnvironmentTests
{
    public static TheoryData<string> ParityCases => new() { "spot-venue-stops-1m", "spot-local-stops-1h", "short-enabled-1m", "spot-tight-risk-1m" };

    [Theory]
    [MemberData(nameof(ParityCases))]
    public async Task Accounting_matches_the_backtester_for_the_same_action_sequence(string name)
    {
        var bars = RandomWalk(3000, seed: 21, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var backtest = Options();
        var step = Timeframe.OneMinute;
        var enableShort = false;
        switch (name)
        {
            case "spot-local-stops-1h":
                backtest.Risk.StopLoss.PlaceOnVenue = false;
                step = Timeframe.OneHour;
                break;
            case "short-enabled-1m":
                backtest.Paper.AllowShortSelling = true;
                enableShort = true;
                break;
            case "spot-tight-risk-1m":
                // Small caps so that the risk manager resizes and denies some targets.
                backtest.Risk.MaxPositionNotionalPerSymbol = 3_000m;
                backtest.Risk.MaxTotalNotional = 3_000m;
                backtest.Risk.MaxDrawdown = 0.5m;
                break;
        }

        var options = EnvOptions(backtest, step: step);
        options.EnableShort = enableShort;
        options.LongFraction = enableShort ? 0.9m : 1m;
        options.ShortFraction = 0.9m;
        options.EndOnRiskHalt = false; // the backtester trades on when halted: compare the whole run
        var stepMinutes = (int)(step.DurationMs() / M);
        var requested = Start + 200 * M;
        var firstDecision = Enumerable.Range(0, 3000).First(m => (m + 1) % stepMinutes == 0 && Start + m * M >= requested);

        using var env = new TradingEnvironment(bars, options);
        env.Reset(DateTimeOffset.FromUnixTimeMilliseconds(requested));
        var actions = Actions(3000, seed: 5, switchProbability: step == Timeframe.OneHour ? 0.5 : 0.1);
        var steps = Run(env, actions);

        backtest.TradingStart = DateTimeOffset.FromUnixTimeMilliseconds(Start + firstDecision * M);
        var slice = bars.Where(b => b.OpenTimeMs >= Start + (firstDecision - options.WarmupBars) * M).ToList();
        var result = await new Backtester(backtest).RunAsync(slice, new ActionReplayStrategy(env.Mapper, "ETHUSDT", step, actions));

        Assert.Equal((3000 - 1 - firstDecision) / stepMinutes, steps.Count);
        Assert.True(result.Fills.Count >= (step == Timeframe.OneHour ? 6 : 20), $"only {result.Fills.Count} fills: the sequence should trade");
        Assert.True(result.Trades.Count > 3, $"only {result.Trades.Count} round trips");
        Assert.Equal(result.FinalEquity, env.Equity);
        Assert.Equal(result.Fills, env.Fills);
        Assert.Equal(result.Trades, env.Trades);
        Assert.Equal(result.Equity, env.EquityCurve);
        Assert.Equal(result.RiskDenials, env.RiskDenials);
        var metrics = env.Metrics();
        Assert.Equal(result.Metrics, metrics.Performance);
        Assert.Equal(result.Metrics.FeesPaid, metrics.FeesPaid);
        Assert.Equal((double)result.FinalEquity, steps[^1].Info.Equity);
        Assert.Equal((double)result.FinalEquity, metrics.FinalEquity);
        switch (name)
        {
            case "short-enabled-1m":
                Assert.Contains(result.Trades, t => t.Direction == -1);
                Assert.Contains(result.Trades, t => t.Direction == 1);
                break;
            case "spot-tight-risk-1m":
                Assert.True(result.RiskDenials > 0 || result.Fills.Any(f => f.Quantity * f.Price < 3_000m * 0.99m), "the caps should bite");
                Assert.All(result.Fills.Where(f => f.Side == OrderSide.Buy), f => Assert.True(f.Quantity * f.Price <= 3_000m * 1.01m, $"entry of {f.Quantity * f.Price} above the cap"));
                break;
            default:
                Assert.DoesNotContain(result.Trades, t => t.Direction == -1);
                break;
        }

        if (name == "spot-venue-stops-1m")
        {
            Assert.Contains(result.Fills, f => f.Reason.StartsWith("stop-loss", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Reward_components_sum_to_the_reward_and_follow_the_equity_by_hand()
    {
        var bars = RandomWalk(1500, seed: 8, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var options = EnvOptions(Options());
        using var env = new TradingEnvironment(bars, options);
        env.Reset();
        var steps = Run(env, Actions(2000, seed: 13));

        var initial = 10_000.0;
        var previous = initial;
        var peak = initial;
        var previousDrawdown = 0.0;
        double rewardSum = 0, ddSum = 0, volSum = 0, tradeSum = 0;
        foreach (var s in steps)
        {
            var r = s.Info.Reward;
            Assert.Equal(r.Pnl - r.DrawdownPenalty - r.VolatilityPenalty - r.TradePenalty, s.Reward);

            // The same numbers from the equity sequence alone.
            var equity = s.Info.Equity;
            peak = Math.Max(peak, equity);
            var drawdown = 1 - equity / peak;
            Assert.Equal((equity - previous) / initial, r.Pnl, 1e-15);
            Assert.Equal(0.5 * Math.Max(0, drawdown - previousDrawdown), r.DrawdownPenalty, 1e-15);
            Assert.Equal(10 * Math.Pow(equity / previous - 1, 2), r.VolatilityPenalty, 1e-15);
            Assert.Equal(s.Info.Target == TargetAction.Submitted ? 0.0002 : 0, r.TradePenalty);
            Assert.Equal(drawdown, s.Info.Drawdown, 1e-15);
            previous = equity;
            previousDrawdown = drawdown;
            rewardSum += s.Reward;
            ddSum += r.DrawdownPenalty;
            volSum += r.VolatilityPenalty;
            tradeSum += r.TradePenalty;
        }

        Assert.True(ddSum > 0 && volSum > 0 && tradeSum > 0, "every component should have been active");
        var metrics = env.Metrics();
        Assert.Equal(rewardSum, metrics.RewardSum, 1e-12);
        Assert.Equal(ddSum, metrics.DrawdownPenaltySum, 1e-12);
        Assert.Equal(volSum, metrics.VolatilityPenaltySum, 1e-12);
        Assert.Equal(tradeSum, metrics.TradePenaltySum, 1e-12);
        Assert.Equal((double)env.Equity / initial - 1, metrics.PnlSum, 1e-12); // the PnL terms telescope
        Assert.Equal(metrics.PnlSum - metrics.DrawdownPenaltySum - metrics.VolatilityPenaltySum - metrics.TradePenaltySum, metrics.RewardSum, 1e-12);
    }

    [Fact]
    public void A_buy_fills_at_the_next_open_with_fees_and_slippage_and_the_reward_and_position_state_show_it()
    {
        // Flat 100, taker fee 0.1 %, slippage 10 bps, no risk resizing. Buy at the first close fills at the open of
        // bar 1: quantity min(10000 / 100, 10000 x 0.99 / 100) = 99 at 100.1, fee 99 x 100.1 x 0.001 = 9.9099;
        // cash 10000 - 9909.9 - 9.9099 = 80.1901; equity at the next close 80.1901 + 99 x 100 = 9980.1901.
        var bars = Enumerable.Range(0, 6).Select(i => Flat("ETHUSDT", Start + i * M, 100)).ToList();
        var risk = RiskTestKit.Loose();
        risk.StopLoss = new StopLossOptions { Mode = StopLossMode.Fixed, FixedFraction = 0.02m };
        var options = EnvOptions(Options(Paper(taker: 0.001m, maker: 0.001m, slippageBps: 10m, participation: 1m), risk));
        options.WarmupBars = 0;
        options.Reward = new RewardOptions { DrawdownPenalty = 0.5, VolatilityPenalty = 0, TradePenalty = 0.001 };
        using var env = new TradingEnvironment(bars, options);
        var first = env.Reset();
        Assert.Equal([0f, 0f, 0f, 0f], first[^4..]); // flat: side, size, unrealized PnL, bars in trade

        var step = env.Step(AgentAction.Buy);
        var fill = Assert.Single(env.Fills);
        Assert.Equal((OrderSide.Buy, 99m, 100.1m, 9.9099m, Start + M), (fill.Side, fill.Quantity, fill.Price, fill.Fee, fill.TimeMs));
        Assert.Equal(9980.1901, step.Info.Equity, 1e-9);
        Assert.Equal(-19.8099 / 10_000, step.Info.Reward.Pnl, 1e-15);
        Assert.Equal(0.5 * (1 - 9980.1901 / 10_000), step.Info.Reward.DrawdownPenalty, 1e-15);
        Assert.Equal(0.001, step.Info.Reward.TradePenalty);
        Assert.Equal(-19.8099 / 10_000 - 0.5 * (19.8099 / 10_000) - 0.001, step.Reward, 1e-15);
        Assert.Equal((1, 9.9099), (step.Info.Fills, step.Info.Fees));
        Assert.Equal(99m, step.Info.PositionQuantity);
        Assert.Equal(1f, step.Observation[^4]);
        Assert.Equal((float)(9900 / 9980.1901), step.Observation[^3]);
        Assert.Equal((float)(99 * (100 - 100.1) / 9980.1901), step.Observation[^2]);
        Assert.Equal(0.01f, step.Observation[^1]); // 1 step in the trade / 100

        var held = env.Step(AgentAction.Buy); // already long: no resize, no order, no trade penalty
        Assert.Equal(TargetAction.NoChange, held.Info.Target);
        Assert.Equal(0, held.Info.Reward.TradePenalty);
        Assert.Equal(0.02f, held.Observation[^1]);
        Assert.Equal(0, held.Info.Reward.Pnl);
        Assert.Equal(0, held.Info.Reward.DrawdownPenalty); // no new drawdown

        var sold = env.Step(AgentAction.Sell); // exit at the next open, 100 x (1 - 10 bps) = 99.9
        Assert.Equal(0m, sold.Info.PositionQuantity);
        Assert.Equal([0f, 0f, 0f, 0f], sold.Observation[^4..]);
        Assert.Equal((OrderSide.Sell, 99m, 99.9m), (env.Fills[^1].Side, env.Fills[^1].Quantity, env.Fills[^1].Price));
        Assert.Single(env.Trades);
    }

    [Fact]
    public void The_mapper_targets_long_or_flat_on_spot_and_short_only_when_enabled()
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(Start);
        var spot = new ActionMapper("rl", 0.5m, shortEnabled: false, shortFraction: 0.25m);
        Assert.Null(spot.ToTarget(AgentAction.Hold, "ETHUSDT", time));
        Assert.Equal(0.5m, spot.ToTarget(AgentAction.Buy, "ETHUSDT", time)!.TargetFraction);
        Assert.Equal(0m, spot.ToTarget(AgentAction.Sell, "ETHUSDT", time)!.TargetFraction);
        var margin = new ActionMapper("rl", 0.5m, shortEnabled: true, shortFraction: 0.25m);
        Assert.Equal(-0.25m, margin.ToTarget(AgentAction.Sell, "ETHUSDT", time)!.TargetFraction);
        Assert.Equal(("ETHUSDT", "rl", time), (margin.ToTarget(AgentAction.Buy, "ETHUSDT", time)!.Symbol, margin.ToTarget(AgentAction.Buy, "ETHUSDT", time)!.Source, margin.ToTarget(AgentAction.Buy, "ETHUSDT", time)!.Time));
    }

    [Fact]
    public void On_spot_the_position_is_never_short_and_sell_from_flat_does_nothing()
    {
        var bars = RandomWalk(800, seed: 4, ("ETHUSDT", 2000));
        var options = EnvOptions(Options());
        using var env = new TradingEnvironment(bars, options);
        env.Reset();
        var first = env.Step(AgentAction.Sell);
        Assert.Equal(TargetAction.NoChange, first.Info.Target);
        Assert.Empty(env.Fills);
        var steps = Run(env, Actions(1000, seed: 2, switchProbability: 0.3));
        Assert.All(steps, s => Assert.True(s.Info.PositionQuantity >= 0));
        Assert.Contains(steps, s => s.Info.PositionQuantity > 0);
        Assert.All(steps, s => Assert.InRange(s.Observation[^4], 0f, 1f));
    }

    [Fact]
    public void With_shorting_enabled_sell_from_flat_opens_a_short_and_buy_closes_it()
    {
        var bars = Enumerable.Range(0, 8).Select(i => Flat("ETHUSDT", Start + i * M, 100)).ToList();
        var risk = RiskTestKit.Loose();
        var backtest = Options(Paper(taker: 0.001m, maker: 0.001m, participation: 1m, allowShort: true), risk);
        var options = EnvOptions(backtest);
        options.WarmupBars = 0;
        options.EnableShort = true;
        options.ShortFraction = 0.5m;
        options.LongFraction = 0.5m; // the paper venue pays longs in cash even where it lends for shorts
        using var env = new TradingEnvironment(bars, options);
        env.Reset();

        var shortStep = env.Step(AgentAction.Sell);
        Assert.Equal(-50m, shortStep.Info.PositionQuantity); // 0.5 x 10000 / 100, no spot cash cap for a short
        Assert.Equal(-1f, shortStep.Observation[^4]);
        var cover = env.Step(AgentAction.Buy); // against the short: closes it, opens nothing yet
        Assert.Equal(0m, cover.Info.PositionQuantity);
        var trip = Assert.Single(env.Trades);
        Assert.Equal(-1, trip.Direction);
        var longStep = env.Step(AgentAction.Buy);
        Assert.Equal(TargetAction.Submitted, longStep.Info.Target);
        Assert.True(longStep.Info.PositionQuantity > 0, longStep.Info.TargetReason);
    }

    [Fact]
    public void Short_on_a_spot_venue_is_refused_with_the_setting_named()
    {
        var options = EnvOptions(Options());
        options.EnableShort = true;
        var error = Assert.Throws<ArgumentException>(() => new TradingEnvironment(RandomWalk(200, 1, ("ETHUSDT", 2000)), options));
        Assert.Contains("EnableShort", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowShortSelling", error.Message, StringComparison.Ordinal);

        // Where the venue lends for shorts, a long of all equity cannot also pay its fee in cash.
        var margin = EnvOptions(Options(Paper(taker: 0.001m, allowShort: true)));
        margin.EnableShort = true;
        Assert.Contains("LongFraction", Assert.Throws<ArgumentException>(() => new TradingEnvironment(RandomWalk(200, 1, ("ETHUSDT", 2000)), margin)).Message, StringComparison.Ordinal);
        margin.LongFraction = 0.95m;
        using var accepted = new TradingEnvironment(RandomWalk(200, 1, ("ETHUSDT", 2000)), margin);
    }

    [Fact]
    public void Episodes_end_at_max_steps_or_the_end_of_the_data_and_then_refuse_steps()
    {
        var bars = RandomWalk(600, seed: 6, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var options = EnvOptions(Options());
        options.MaxSteps = 5;
        using var env = new TradingEnvironment(bars, options);
        env.Reset();
        var steps = Run(env, Actions(100, seed: 1));
        Assert.Equal(5, steps.Count);
        Assert.Equal(EpisodeEndReason.MaxSteps, steps[^1].Info.EndReason);
        Assert.All(steps.Take(4), s => Assert.Equal(EpisodeEndReason.None, s.Info.EndReason));
        Assert.Throws<InvalidOperationException>(() => env.Step(AgentAction.Hold));

        // 600 one-minute bars from 00:00 close 10 hours: 10 decision points on 1h; from the first (no warm-up) 9 steps.
        var hourly = EnvOptions(Options(), step: Timeframe.OneHour);
        hourly.WarmupBars = 0;
        using var hours = new TradingEnvironment(bars, hourly);
        Assert.Equal(10, hours.DecisionPointCount);
        hours.Reset();
        var all = Run(hours, []);
        Assert.Equal(9, all.Count);
        Assert.Equal(EpisodeEndReason.EndOfData, all[^1].Info.EndReason);
        Assert.Equal(Start + 600 * M - 1, all[^1].Info.TimeMs);
        Assert.Equal(Enumerable.Range(2, 9).Select(h => Start + h * 60 * M - 1), all.Select(s => s.Info.TimeMs));
        var metrics = hours.Metrics();
        Assert.Equal((Start + 60 * M - 1, Start + 600 * M - 1, 9), (metrics.StartTimeMs, metrics.EndTimeMs, metrics.Steps));
        Assert.Null(metrics.Exploration);
        Assert.Equal(0.1, (metrics with { Exploration = 0.1 }).Exploration);
    }

    [Fact]
    public void A_risk_halt_ends_the_episode()
    {
        // Long at 100, then a 10 % fall: the drawdown passes the 1 % limit and the risk manager halts trading.
        var bars = Enumerable.Range(0, 3).Select(i => Flat("ETHUSDT", Start + i * M, 100))
            .Concat(Enumerable.Range(3, 10).Select(i => Flat("ETHUSDT", Start + i * M, 90))).ToList();
        var risk = RiskTestKit.Loose();
        risk.MaxDrawdown = 0.01m;
        var options = EnvOptions(Options(Paper(participation: 1m), risk));
        options.WarmupBars = 0;
        using var env = new TradingEnvironment(bars, options);
        env.Reset();
        var steps = Run(env, [AgentAction.Buy]);
        Assert.Equal(EpisodeEndReason.RiskHalted, steps[^1].Info.EndReason);
        Assert.True(steps.Count < 12, "the halt should end the episode before the data does");
        Assert.Equal(EpisodeEndReason.RiskHalted, env.Metrics().EndReason);
    }

    [Fact]
    public void The_same_seed_and_actions_give_the_same_episode()
    {
        var bars = RandomWalk(1200, seed: 9, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var options = EnvOptions(Options());
        options.MaxSteps = 300;
        var actions = Actions(300, seed: 3);
        using var a = new TradingEnvironment(bars, options);
        using var b = new TradingEnvironment(bars, options);
        Assert.Equal(a.Reset(seed: 7), b.Reset(seed: 7));
        var runA = Run(a, actions);
        var runB = Run(b, actions);
        Assert.Equal(runA.Select(s => s.Info), runB.Select(s => s.Info));
        Assert.Equal(runA.SelectMany(s => s.Observation), runB.SelectMany(s => s.Observation));
        Assert.Equal(a.Fills, b.Fills);
        Assert.Equal(a.Metrics(), b.Metrics());

        // Resetting the same environment replays the episode exactly (no state leaks between episodes).
        a.Reset(seed: 7);
        var again = Run(a, actions);
        Assert.Equal(runA.Select(s => s.Info), again.Select(s => s.Info));
        Assert.Equal(b.Fills, a.Fills);
    }

    [Fact]
    public void Seeded_starts_keep_the_warm_up_and_room_for_max_steps()
    {
        var bars = RandomWalk(400, seed: 2, ("ETHUSDT", 2000));
        var options = EnvOptions(Options());
        options.MaxSteps = 100;
        using var env = new TradingEnvironment(bars, options);
        var starts = new HashSet<long>();
        for (var seed = 0; seed < 40; seed++)
        {
            env.Reset(seed);
            var steps = Run(env, []);
            Assert.Equal(100, steps.Count);
            var start = env.Metrics().StartTimeMs;
            Assert.InRange(start, Start + 65 * M - 1, Start + 300 * M - 1); // minute 64 (full warm-up) to 299 (100 steps left)
            starts.Add(start);
        }

        Assert.True(starts.Count > 10, "seeds should spread the starts");
        options.MaxSteps = 400;
        using var tooShort = new TradingEnvironment(bars, options);
        Assert.Throws<InvalidOperationException>(() => tooShort.Reset(seed: 1));
    }

    [Fact]
    public void Bad_input_is_refused_with_clear_errors()
    {
        var options = EnvOptions(Options());
        var eth = RandomWalk(100, 1, ("ETHUSDT", 2000));

        Assert.Contains("No bars", Assert.Throws<ArgumentException>(() => new TradingEnvironment([], options)).Message, StringComparison.Ordinal);

        var unknown = EnvOptions(Options(), primary: "BTCUSDT");
        var error = Assert.Throws<ArgumentException>(() => new TradingEnvironment(eth, unknown));
        Assert.Contains("Unknown symbol", error.Message, StringComparison.Ordinal);
        Assert.Contains("BTCUSDT", error.Message, StringComparison.Ordinal);

        var noRules = EnvOptions(Options(), primary: "SOLUSDT");
        Assert.Contains("SOLUSDT", Assert.Throws<ArgumentException>(() => new TradingEnvironment(eth, noRules)).Message, StringComparison.Ordinal);

        Assert.Contains("forming", Assert.Throws<ArgumentException>(() => new TradingEnvironment([Bar("ETHUSDT", Start, 1, 1, 1, 1, 1, closed: false)], options)).Message, StringComparison.Ordinal);
        Assert.Contains("time order", Assert.Throws<ArgumentException>(() => new TradingEnvironment([Flat("ETHUSDT", Start + M, 100), Flat("ETHUSDT", Start, 100)], options)).Message, StringComparison.Ordinal);
        Assert.Contains("Duplicate", Assert.Throws<ArgumentException>(() => new TradingEnvironment([Flat("ETHUSDT", Start, 100), Flat("ETHUSDT", Start, 100)], options)).Message, StringComparison.Ordinal);
        Assert.Contains("decision point", Assert.Throws<ArgumentException>(() => new TradingEnvironment([Flat("ETHUSDT", Start, 100)], options)).Message, StringComparison.Ordinal);

        var hourBars = Enumerable.Range(0, 5).Select(i => new OHLCVBar("test", "ETHUSDT", Timeframe.OneHour, Start + i * 3_600_000L, 100, 100, 100, 100, 1, true)).ToList();
        Assert.Contains("StepTimeframe", Assert.Throws<ArgumentException>(() => new TradingEnvironment(hourBars, options)).Message, StringComparison.Ordinal);

        var negative = EnvOptions(Options());
        negative.LongFraction = 0;
        negative.Reward.DrawdownPenalty = -1;
        var settings = Assert.Throws<ArgumentException>(() => new TradingEnvironment(eth, negative)).Message;
        Assert.Contains("LongFraction", settings, StringComparison.Ordinal);
        Assert.Contains("Reward:DrawdownPenalty", settings, StringComparison.Ordinal);

        using var env = new TradingEnvironment(eth, options);
        Assert.Throws<InvalidOperationException>(() => env.Step(AgentAction.Buy));
        env.Reset();
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step((AgentAction)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Reset(DateTimeOffset.FromUnixTimeMilliseconds(Start + 500 * M)));
    }
}
