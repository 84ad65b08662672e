using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;
using static TradingDashboard.Tests.Reinforcement.RlTestKit;

namespace TradingDashboard.Tests.Reinforcement;

public class ObservationSourceTests
{
    private static readonly ObservationEpisode Episode = new("ETHUSDT", Timeframe.OneMinute, Timeframe.OneMinute);

    [Fact]
    public void Bar_returns_are_log_returns_in_percent_newest_first_with_a_sample_volatility()
    {
        var source = new BarReturnsObservationSource(returnCount: 3, volatilityWindow: 4);
        Assert.Equal(["ret.0", "ret.1", "ret.2", "vol", "history"], source.Names);
        source.Reset(Episode);
        var closes = new[] { 100.0, 110, 99 };
        for (var i = 0; i < closes.Length; i++)
        {
            source.OnBar(Flat("ETHUSDT", Start + i * M, closes[i]));
            source.OnBar(Flat("BTCUSDT", Start + i * M, 40_000 + i * 1000)); // another symbol: ignored
        }

        var values = new float[5];
        source.Write(Flat("ETHUSDT", Start + 2 * M, 99), values);
        var r1 = Math.Log(1.1) * 100;
        var r2 = Math.Log(0.9) * 100;
        var mean = (r1 + r2) / 2;
        var stdev = Math.Sqrt(((r1 - mean) * (r1 - mean) + (r2 - mean) * (r2 - mean)) / 1);
        Assert.Equal([(float)r2, (float)r1, 0f, (float)stdev, 0.5f], values);

        source.Reset(Episode); // a new episode forgets the old one
        source.Write(Flat("ETHUSDT", Start, 100), values);
        Assert.All(values, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Bar_returns_on_an_hourly_step_use_only_hour_closes()
    {
        var source = new BarReturnsObservationSource(returnCount: 2, volatilityWindow: 2);
        source.Reset(new ObservationEpisode("ETHUSDT", Timeframe.OneHour, Timeframe.OneMinute));
        for (var i = 0; i < 120; i++)
        {
            source.OnBar(Flat("ETHUSDT", Start + i * M, i == 59 ? 200 : i == 119 ? 220 : 1 + i));
        }

        var values = new float[4];
        source.Write(Flat("ETHUSDT", Start + 119 * M, 220), values);
        Assert.Equal((float)(Math.Log(1.1) * 100), values[0]); // 200 -> 220, the minutes between do not count
        Assert.Equal(0f, values[1]);
    }

    [Fact]
    public void The_observation_at_a_decision_does_not_depend_on_later_bars()
    {
        var bars = RandomWalk(300, seed: 12, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var changed = bars.Select(b => b.OpenTimeMs > Start + 150 * M ? b with { Close = b.Close * 1.5, High = b.High * 1.5 } : b).ToList();
        var options = EnvOptions(Backtesting.BacktestTestKit.Options());
        using var a = new TradingEnvironment(bars, options);
        using var b = new TradingEnvironment(changed, options);
        var actions = Actions(150, seed: 4);
        var obsA = new List<float[]> { a.Reset() };
        var obsB = new List<float[]> { b.Reset() };
        for (var i = 0; i < 150 - 64; i++)
        {
            obsA.Add(a.Step(actions[i]).Observation);
            obsB.Add(b.Step(actions[i]).Observation);
        }

        Assert.Equal(22, a.ObservationLength); // 16 returns, vol, history, 4 position values
        Assert.Equal(obsA, obsB); // up to the close of minute 150, everything is the same
        Assert.NotEqual(a.Step(AgentAction.Hold).Observation, b.Step(AgentAction.Hold).Observation); // and then it is not
    }

    [Fact]
    public void Cnn_predictions_fill_probabilities_confidence_and_hidden_state_and_zeros_without_one()
    {
        var asOf = Start + M; // the close of the bar opened at Start
        var prediction = new CNNPrediction("cnn", "v1", "ETHUSDT", Start, asOf,
            [new TimeframePivotPrediction(Timeframe.OneMinute, true, 0.7f, 0.2f, 0.1f, 0.6f), TimeframePivotPrediction.Unavailable(Timeframe.OneHour)],
            [0.5f, -1.5f], "CPU", 10);
        var source = new CnnPredictionObservationSource(new CnnPredictionTable([prediction]), [Timeframe.OneMinute, Timeframe.OneHour], hiddenSize: 2);
        Assert.Equal(1 + 2 * 5 + 2, source.Names.Count);
        Assert.Equal("cnn.1m.p_high", source.Names[3]);
        source.Reset(Episode);
        var values = new float[source.Names.Count];
        source.Write(Flat("ETHUSDT", Start, 100), values);
        Assert.Equal([1f, 1f, 0.7f, 0.2f, 0.1f, 0.6f, 0f, 0f, 0f, 0f, 0f, 0.5f, -1.5f], values);

        source.Write(Flat("ETHUSDT", Start + M, 100), values); // no prediction at that time
        Assert.All(values, v => Assert.Equal(0f, v));

        var wrongSize = new CnnPredictionObservationSource(new CnnPredictionTable([prediction]), [Timeframe.OneMinute], hiddenSize: 3);
        wrongSize.Reset(Episode);
        var error = Assert.Throws<InvalidOperationException>(() => wrongSize.Write(Flat("ETHUSDT", Start, 100), new float[wrongSize.Names.Count]));
        Assert.Contains("hidden state of 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feature_frames_are_copied_in_schema_order_with_presence_and_mask_and_other_schemas_are_refused()
    {
        var schema = new FeatureSchema(new FeatureSettings { Symbols = ["ETHUSDT"], Timeframes = [Timeframe.OneMinute], OptionalTimeframes = [], WindowLength = 2 });
        var length = schema.Length;
        var values = Enumerable.Range(0, length).Select(i => i * 0.25f).ToArray();
        var mask = Enumerable.Range(0, length).Select(i => (byte)(i % 3 == 0 ? 0 : 1)).ToArray();
        var frame = new FeatureFrame("ETHUSDT", Start, Timeframe.OneMinute, schema.Hash, values, mask, [true]);
        var source = new FeatureFrameObservationSource(new FeatureFrameTable([frame]), schema, includeMask: true);
        Assert.Equal(1 + 2 * length, source.Names.Count);
        Assert.Equal("frame.ETHUSDT.1m.0.open", source.Names[1]);
        Assert.Equal("mask.ETHUSDT.1m.1." + schema.Features[^1].Name, source.Names[^1]);
        source.Reset(Episode);
        var written = new float[source.Names.Count];
        source.Write(Flat("ETHUSDT", Start, 100), written);
        Assert.Equal(1f, written[0]);
        Assert.Equal(values, written[1..(1 + length)]);
        Assert.Equal(mask.Select(m => (float)m), written[(1 + length)..]);

        source.Write(Flat("ETHUSDT", Start + M, 100), written); // no frame (warm-up, gap)
        Assert.All(written, v => Assert.Equal(0f, v));

        var other = new FeatureFrameObservationSource(new FeatureFrameTable([frame with { SchemaHash = "other" }]), schema);
        other.Reset(Episode);
        Assert.Throws<InvalidOperationException>(() => other.Write(Flat("ETHUSDT", Start, 100), new float[other.Names.Count]));
    }

    [Fact]
    public void A_composite_source_lays_its_parts_side_by_side_before_the_position_state()
    {
        var bars = RandomWalk(200, seed: 1, ("ETHUSDT", 2000));
        var prediction = new CNNPrediction("cnn", "v1", "ETHUSDT", Start + 99 * M, Start + 100 * M,
            [new TimeframePivotPrediction(Timeframe.OneMinute, true, 0.1f, 0.8f, 0.1f, 0.9f)], [], "CPU", 1);
        var source = new CompositeObservationSource(new BarReturnsObservationSource(2, 2), new CnnPredictionObservationSource(new CnnPredictionTable([prediction]), [Timeframe.OneMinute], 0));
        var options = EnvOptions(Backtesting.BacktestTestKit.Options());
        using var env = new TradingEnvironment(bars, options, source);
        Assert.Equal(["ret.0", "ret.1", "vol", "history", "cnn.present", "cnn.1m.available", "cnn.1m.p_none", "cnn.1m.p_high", "cnn.1m.p_low", "cnn.1m.confidence", .. TradingEnvironment.PositionStateNames], env.ObservationNames);
        var observation = env.Reset(DateTimeOffset.FromUnixTimeMilliseconds(Start + 99 * M)); // decides at the close of minute 99
        Assert.Equal([1f, 1f, 0.1f, 0.8f, 0.1f, 0.9f], observation[4..10]);
        var bar98 = bars[98].Close;
        var bar99 = bars[99].Close;
        Assert.Equal((float)(Math.Log(bar99 / bar98) * 100), observation[0]);
        Assert.Equal(0f, env.Step(AgentAction.Hold).Observation[4]); // no prediction at minute 100
    }
}
