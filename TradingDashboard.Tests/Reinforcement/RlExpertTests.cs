using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;
using static TradingDashboard.Tests.Reinforcement.RlTestKit;

namespace TradingDashboard.Tests.Reinforcement;

public sealed class RlExpertTests : IDisposable
{
    private static readonly RlObservationSpec Spec = new(BarReturns: 3, VolatilityWindow: 4, FeatureSchemaHash: null, FrameMask: false, CnnTimeframes: ["1m"], CnnHiddenSize: 2);
    private readonly string _folder = PolicyTestKit.TempFolder();
    private readonly OnnxSessionFactory _sessions = PolicyTestKit.Sessions();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static ExpertContext Context(OHLCVBar bar) => new(bar, 0m, false, DateTimeOffset.FromUnixTimeMilliseconds(bar.CloseTimeMs + 1));

    /// <summary>CNN predictions on every third bar (others missing): p = (none, high, low) and a 2-value hidden state.</summary>
    private static List<CNNPrediction> Predictions(IReadOnlyList<OHLCVBar> bars)
    {
        var list = new List<CNNPrediction>();
        for (var i = 0; i < bars.Count; i += 3)
        {
            var high = 0.1f + (0.02f * (i % 10));
            var low = 0.6f - high;
            list.Add(new CNNPrediction("cnn-a", "1", bars[i].Symbol, bars[i].OpenTimeMs, bars[i].CloseTimeMs + 1,
                [new TimeframePivotPrediction(Timeframe.OneMinute, true, 0.4f, high, low, 0.7f)], [0.25f * (i % 4), -0.5f], "CPU", 1));
        }

        return list;
    }

    [Fact]
    public void Votes_equal_a_hand_computed_run_of_the_same_tiny_onnx_policy()
    {
        var bars = RandomWalk(60, seed: 5, ("ETHUSDT", 2000)).Select(b => b with { Close = b.Close }).ToList();
        var predictions = Predictions(bars);
        var table = new CnnPredictionTable(predictions);
        var names = PolicyTestKit.Names(Spec);
        Assert.Equal(17, names.Count);
        var tiny = TinyPolicy.Random(names.Count, seed: 3, scale: 3f);

        // Long makes selling likelier and the longer the trade the more (position.side, position.bars_in_trade -> sell).
        tiny.Weights[(13 * 3) + 2] += 2f;
        tiny.Weights[(16 * 3) + 2] += 60f;
        var path = PolicyTestKit.WritePolicy(_folder, PolicyTestKit.Card("tiny", Spec, names), tiny);
        using var policy = OnnxRlPolicy.Load(path, _sessions);
        var expert = new RlExpert(new FixedRlPolicySource(policy), null, null, table, Timeframe.OneMinute) { LongFraction = 0.5 };

        // The reference: the observation by hand from the bars and predictions, the policy by hand, the virtual position by hand.
        var closes = new List<double>();
        int side = 0, barsInTrade = 0;
        double entry = 0;
        var actions = new List<AgentAction>();
        foreach (var bar in bars)
        {
            closes.Add(bar.Close);
            var returns = closes.Zip(closes.Skip(1), (a, b) => Math.Log(b / a) * 100).ToList();
            var x = new float[17];
            for (var k = 0; k < 3; k++)
            {
                x[k] = k < returns.Count ? (float)returns[^(k + 1)] : 0f;
            }

            var n = Math.Min(returns.Count, 4);
            if (n >= 2)
            {
                var window = returns.TakeLast(n).ToList();
                var mean = window.Average();
                x[3] = (float)Math.Sqrt(window.Sum(r => (r - mean) * (r - mean)) / (n - 1));
            }

            x[4] = n / 4f;
            if (predictions.FirstOrDefault(p => p.AsOfMs == bar.CloseTimeMs + 1) is { } p)
            {
                var h = p.Timeframes[0];
                float[] cnn = [1, 1, h.ProbabilityNone, h.ProbabilityHigh, h.ProbabilityLow, h.Confidence, p.HiddenState[0], p.HiddenState[1]];
                cnn.CopyTo(x, 5);
            }

            if (side != 0)
            {
                barsInTrade++;
                x[13] = side;
                x[14] = 0.5f;
                x[15] = (float)(side * 0.5 * ((bar.Close / entry) - 1));
                x[16] = barsInTrade / 100f;
            }

            var expected = tiny.Forward(x);
            var vote = expert.Vote(Context(bar));

            Assert.False(vote.Abstained, vote.Reason);
            Assert.Equal((AgentAction)expected.Action, vote.Action);
            Assert.Equal(expected.Confidence, vote.Confidence, 1e-5);
            Assert.Equal(x, expert.LastObservation("ETHUSDT")!, new FloatTolerance(1e-5f));
            actions.Add(vote.Action);
            if (expected.Action == (int)AgentAction.Buy && side == 0)
            {
                (side, entry, barsInTrade) = (1, bar.Close, 0);
            }
            else if (expected.Action == (int)AgentAction.Sell && side > 0)
            {
                side = 0;
            }
        }

        // The policy is random enough to open and close the virtual position (the position state is exercised).
        Assert.Contains(AgentAction.Buy, actions);
        Assert.Contains(AgentAction.Sell, actions);
    }

    [Fact]
    public void The_observation_equals_the_training_environments_for_the_same_bars()
    {
        var bars = RandomWalk(200, seed: 21, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var spec = new RlObservationSpec(16, 32, null, false, [], 0);
        using var env = new TradingEnvironment(bars, EnvOptions(Options()), spec.BuildSource(null, null, null));
        var names = env.ObservationNames;
        var path = PolicyTestKit.WritePolicy(_folder, PolicyTestKit.Card("hold", spec, names), TinyPolicy.Always(names.Count, AgentAction.Hold));
        using var policy = OnnxRlPolicy.Load(path, _sessions);
        var expert = new RlExpert(new FixedRlPolicySource(policy), null, null, null, Timeframe.OneMinute);

        var eth = bars.Where(b => b.Symbol == "ETHUSDT").ToList();
        var observation = env.Reset();
        var decision = 64; // the first decision with the environment's 64 warm-up bars before it
        var fed = 0;
        var compared = 0;
        while (true)
        {
            for (; fed <= decision; fed++)
            {
                var vote = expert.Vote(Context(eth[fed]));
                Assert.Equal(AgentAction.Hold, vote.Action);
            }

            Assert.Equal(observation, expert.LastObservation("ETHUSDT"));
            compared++;
            var step = env.Step(AgentAction.Hold);
            if (step.Done)
            {
                break;
            }

            observation = step.Observation;
            decision++;
        }

        Assert.True(compared > 100);
    }

    [Fact]
    public void It_abstains_without_a_policy_and_when_the_observation_cannot_be_built()
    {
        var bar = Flat("ETHUSDT", Start, 100);
        var none = new RlExpert(new FixedRlPolicySource(null), null, null, null, Timeframe.OneMinute);
        var vote = none.Vote(Context(bar));
        Assert.True(vote.Abstained);
        Assert.Equal(RlExpert.NoModel, vote.Reason);

        // A policy that needs CNN predictions, in an expert that has none.
        var names = PolicyTestKit.Names(Spec);
        var path = PolicyTestKit.WritePolicy(_folder, PolicyTestKit.Card("needs-cnn", Spec, names), TinyPolicy.Random(names.Count, 1));
        using var policy = OnnxRlPolicy.Load(path, _sessions);
        var blind = new RlExpert(new FixedRlPolicySource(policy), null, null, null, Timeframe.OneMinute);
        vote = blind.Vote(Context(bar));
        Assert.True(vote.Abstained);
        Assert.StartsWith("observation unavailable: ", vote.Reason, StringComparison.Ordinal);
        Assert.Contains("CNN predictions", vote.Reason, StringComparison.Ordinal);

        // A policy trained on hourly steps in an expert deciding on minutes.
        var hourly = new RlExpert(new FixedRlPolicySource(policy), null, null, new CnnPredictionTable([]), Timeframe.OneHour);
        vote = hourly.Vote(Context(Flat("ETHUSDT", Start + (59 * M), 100)));
        Assert.True(vote.Abstained);
        Assert.Contains("decides on 1m closes", vote.Reason, StringComparison.Ordinal);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
