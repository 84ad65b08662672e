using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Strategies;
using TradingDashboard.Tests.Backtesting;
using TradingDashboard.Tests.Components.Fakes;
using TradingDashboard.Tests.Strategies;
using static TradingDashboard.Tests.Components.Fakes.ModelFixtures;
using static TradingDashboard.Tests.Orchestration.OrchestrationTestKit;

namespace TradingDashboard.Tests.Orchestration;

public sealed class ExpertTests
{
    private readonly FakeModelRegistry _registry = new();
    private readonly FakePredictionFeed _feed = new();
    private readonly IOptions<OrchestratorOptions> _options = Options.Create(new OrchestratorOptions { MaxPredictionAgeSeconds = 120 });

    private static ExpertContext At(OHLCVBar bar) => new(bar, 0m, false, CloseOf(bar));

    [Fact]
    public void Pivot_rule_low_buys_high_sells_with_probability_times_confidence()
    {
        var low = PivotVoteRule.Vote([("m", Head(Timeframe.OneMinute, 0.2f, 0.1f, 0.7f, 0.8f))]);
        Assert.Equal(AgentAction.Buy, low.Action);
        Assert.Equal(0.7 * 0.8, low.Confidence, 6);

        var high = PivotVoteRule.Vote([("m", Head(Timeframe.OneHour, 0.3f, 0.6f, 0.1f, 0.5f))]);
        Assert.Equal(AgentAction.Sell, high.Action);
        Assert.Equal(0.6 * 0.5, high.Confidence, 6);

        var none = PivotVoteRule.Vote([("m", Head(Timeframe.OneMinute, 0.8f, 0.1f, 0.1f, 0.9f))]);
        Assert.Equal(AgentAction.Hold, none.Action);
        Assert.False(none.Abstained);
        Assert.Equal(0.8 * 0.9, none.Confidence, 6);

        Assert.True(PivotVoteRule.Vote([("m", TimeframePivotPrediction.Unavailable(Timeframe.OneMinute))]).Abstained);
    }

    [Fact]
    public void Pivot_rule_takes_the_strongest_head_when_heads_disagree()
    {
        // 1m low: 0.6 x 0.5 = 0.30 buy; 1h high: 0.7 x 0.9 = 0.63 sell -> Sell 0.63.
        var vote = PivotVoteRule.Vote(
        [
            ("m", Head(Timeframe.OneMinute, 0.3f, 0.1f, 0.6f, 0.5f)),
            ("m", Head(Timeframe.OneHour, 0.2f, 0.7f, 0.1f, 0.9f)),
        ]);
        Assert.Equal(AgentAction.Sell, vote.Action);
        Assert.Equal(0.63, vote.Confidence, 6);
        Assert.Contains("1h", vote.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cnn_expert_abstains_without_serving_model_or_fresh_prediction_and_maps_the_active_models_prediction()
    {
        var bar = Bar(10, 100);
        Assert.True(new CnnExpert(_options).Vote(At(bar)).Abstained);

        var expert = new CnnExpert(_options, _feed, _registry);
        Assert.Equal("no active cnn model", expert.Vote(At(bar)).Reason);

        _registry.Registered.Add(Model(Card("cnn-old"), "cnn", active: false));
        _registry.Registered.Add(Model(Card("cnn-a"), "cnn", active: true));
        Assert.True(expert.Vote(At(bar)).Abstained);

        // Too old (121 s before the close), from the future (after the close), and another symbol: none used.
        _feed.Seed(Prediction("cnn-a", "ETHUSDT", bar.CloseTimeMs - 121_000, Head(Timeframe.OneMinute, 0, 0, 1, 1)));
        _feed.Seed(Prediction("cnn-a", "BTCUSDT", bar.CloseTimeMs, Head(Timeframe.OneMinute, 0, 0, 1, 1)));
        Assert.True(expert.Vote(At(bar)).Abstained);
        _feed.Seed(Prediction("cnn-a", "ETHUSDT", bar.CloseTimeMs + 60_000, Head(Timeframe.OneMinute, 0, 0, 1, 1)));
        Assert.True(expert.Vote(At(bar)).Abstained);

        // An inactive model's prediction is ignored; the active one's 1m low head decides.
        _feed.Seed(Prediction("cnn-old", "ETHUSDT", bar.CloseTimeMs + 1, Head(Timeframe.OneMinute, 0, 1, 0, 1)));
        _feed.Seed(Prediction("cnn-a", "ETHUSDT", bar.CloseTimeMs + 1, Head(Timeframe.OneMinute, 0.1f, 0.2f, 0.7f, 0.9f), Head(Timeframe.OneDay, 0, 1, 0, 1)));
        var vote = expert.Vote(At(bar));
        Assert.Equal(AgentAction.Buy, vote.Action);
        Assert.Equal(0.7 * 0.9, vote.Confidence, 6);
    }

    [Fact]
    public void FastTree_expert_combines_its_1m_and_1h_slots()
    {
        var bar = Bar(10, 100);
        var expert = new FastTreeExpert(_options, _feed, _registry);
        Assert.Equal("no active fasttree model", expert.Vote(At(bar)).Reason);

        _registry.Registered.Add(Model(Card("ft-1m", kind: ModelKinds.FastTree), "fasttree-1m", active: true));
        _registry.Registered.Add(Model(Card("ft-1h", kind: ModelKinds.FastTree), "fasttree-1h", active: true));
        Assert.True(expert.Vote(At(bar)).Abstained);

        _feed.Seed(Prediction("ft-1m", "ETHUSDT", bar.CloseTimeMs + 1, Head(Timeframe.OneMinute, 0.5f, 0.4f, 0.1f, 0.5f)));
        _feed.Seed(Prediction("ft-1h", "ETHUSDT", bar.CloseTimeMs - 30_000, Head(Timeframe.OneHour, 0.3f, 0.1f, 0.6f, 0.8f)));

        // 1m: most probable is none (hold 0.25); 1h: low 0.6 x 0.8 = 0.48 -> Buy 0.48.
        var vote = expert.Vote(At(bar));
        Assert.Equal(AgentAction.Buy, vote.Action);
        Assert.Equal(0.48, vote.Confidence, 6);
    }

    [Fact]
    public void Rule_expert_votes_exactly_where_the_strategy_trading_alone_changes_its_target()
    {
        var bars = BacktestTestKit.RandomWalk(3000, 11, ("ETHUSDT", 2000));
        var expected = PivotBreakoutStrategyTests.RunStrategy(new PivotBreakoutStrategy(["ETHUSDT"]), bars).ToDictionary(d => d.BarIndex, d => d.Fraction);
        Assert.Contains(expected.Values, f => f > 0);
        Assert.Contains(expected.Values, f => f == 0);

        var expert = new RuleExpert(new PivotBreakoutStrategy(["ETHUSDT"]));
        for (var i = 0; i < bars.Count; i++)
        {
            // The orchestrator's own position must not change the rule's opinion: it runs on its virtual position.
            var vote = expert.Vote(new ExpertContext(bars[i], i % 2, i < 100, CloseOf(bars[i])));
            var want = !expected.TryGetValue(i, out var fraction) ? AgentAction.Hold : fraction > 0 ? AgentAction.Buy : AgentAction.Sell;
            Assert.Equal(want, vote.Action);
            Assert.Equal(want == AgentAction.Hold ? 0.0 : 1.0, vote.Confidence);
        }
    }
}
