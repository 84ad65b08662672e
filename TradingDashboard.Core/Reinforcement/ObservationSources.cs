using System.Globalization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>What an observation source learns at the start of an episode.</summary>
/// <param name="PrimarySymbol">The traded symbol the observation is about.</param>
/// <param name="StepTimeframe">The agent decides at every close of this timeframe.</param>
/// <param name="BarTimeframe">The timeframe of the bars the environment feeds.</param>
public sealed record ObservationEpisode(string PrimarySymbol, Timeframe StepTimeframe, Timeframe BarTimeframe);

/// <summary>
/// The market and model part of the RL observation (the environment appends the agent's own position state). The
/// environment calls <see cref="Reset"/> at each episode start, <see cref="OnBar"/> for every bar it feeds (all
/// symbols, warm-up included, in time order), and <see cref="Write"/> at every decision. The number and meaning of
/// the values are fixed per instance (<see cref="Names"/>). A source may only use bars it was given: no look-ahead.
/// </summary>
public interface IObservationSource
{
    /// <summary>One name per value, in the order <see cref="Write"/> writes them.</summary>
    IReadOnlyList<string> Names { get; }

    void Reset(ObservationEpisode episode);

    void OnBar(OHLCVBar bar);

    /// <summary>Writes exactly <c>Names.Count</c> finite values for the decision at the close of <paramref name="decisionBar"/> (the primary symbol's bar).</summary>
    void Write(OHLCVBar decisionBar, Span<float> destination);
}

/// <summary>Several sources side by side, in the given order (e.g. feature frame, then CNN predictions).</summary>
public sealed class CompositeObservationSource : IObservationSource
{
    private readonly IObservationSource[] _parts;

    public CompositeObservationSource(params IObservationSource[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0 || parts.Any(p => p is null))
        {
            throw new ArgumentException("A composite observation needs at least one source and no null source.", nameof(parts));
        }

        _parts = parts;
        Names = parts.SelectMany(p => p.Names).ToArray();
    }

    public IReadOnlyList<string> Names { get; }

    public void Reset(ObservationEpisode episode)
    {
        foreach (var part in _parts)
        {
            part.Reset(episode);
        }
    }

    public void OnBar(OHLCVBar bar)
    {
        foreach (var part in _parts)
        {
            part.OnBar(bar);
        }
    }

    public void Write(OHLCVBar decisionBar, Span<float> destination)
    {
        var offset = 0;
        foreach (var part in _parts)
        {
            var length = part.Names.Count;
            part.Write(decisionBar, destination.Slice(offset, length));
            offset += length;
        }
    }
}

/// <summary>
/// The built-in source, from the bars alone (no models): the primary symbol's last <c>returnCount</c> log returns
/// between step closes (newest first, in percent), their standard deviation over the last <c>volatilityWindow</c>
/// returns (sample, in percent), and how much of that window is filled (0..1). Missing history is 0.
/// Names: ret.0 (newest) .. ret.{n-1}, vol, history.
/// </summary>
public sealed class BarReturnsObservationSource : IObservationSource
{
    private readonly int _returnCount;
    private readonly int _volatilityWindow;
    private readonly double[] _returns;
    private string _symbol = string.Empty;
    private long _stepMs;
    private double _lastClose;
    private int _count;
    private int _next;

    public BarReturnsObservationSource(int returnCount = 16, int volatilityWindow = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(returnCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(volatilityWindow, 2);
        _returnCount = returnCount;
        _volatilityWindow = volatilityWindow;
        _returns = new double[Math.Max(returnCount, volatilityWindow)];
        Names = [.. Enumerable.Range(0, returnCount).Select(i => "ret." + i.ToString(CultureInfo.InvariantCulture)), "vol", "history"];
    }

    public IReadOnlyList<string> Names { get; }

    public void Reset(ObservationEpisode episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        _symbol = episode.PrimarySymbol;
        _stepMs = episode.StepTimeframe.DurationMs();
        _lastClose = 0;
        _count = 0;
        _next = 0;
        Array.Clear(_returns);
    }

    public void OnBar(OHLCVBar bar)
    {
        // Only the primary symbol's closes at step boundaries: returns are per decision step.
        if (!string.Equals(bar.Symbol, _symbol, StringComparison.Ordinal) || (bar.CloseTimeMs + 1) % _stepMs != 0 || !(bar.Close > 0))
        {
            return;
        }

        if (_lastClose > 0)
        {
            _returns[_next] = Math.Log(bar.Close / _lastClose) * 100;
            _next = (_next + 1) % _returns.Length;
            _count = Math.Min(_count + 1, _returns.Length);
        }

        _lastClose = bar.Close;
    }

    public void Write(OHLCVBar decisionBar, Span<float> destination)
    {
        var length = _returns.Length;
        for (var i = 0; i < _returnCount; i++)
        {
            destination[i] = i < _count ? (float)_returns[(_next - 1 - i + length) % length] : 0f;
        }

        var n = Math.Min(_count, _volatilityWindow);
        double volatility = 0;
        if (n >= 2)
        {
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += _returns[(_next - 1 - i + length) % length];
            }

            var mean = sum / n;
            double squares = 0;
            for (var i = 0; i < n; i++)
            {
                var d = _returns[(_next - 1 - i + length) % length] - mean;
                squares += d * d;
            }

            volatility = Math.Sqrt(squares / (n - 1));
        }

        destination[_returnCount] = (float)volatility;
        destination[_returnCount + 1] = n / (float)_volatilityWindow;
    }
}

/// <summary>Feature frames by time, for <see cref="FeatureFrameObservationSource"/>.</summary>
public interface IFeatureFrameSource
{
    /// <summary>The frame of <paramref name="symbol"/> whose <see cref="FeatureFrame.AsOfMs"/> is <paramref name="asOfMs"/>, or null when none was built (warm-up, gap).</summary>
    FeatureFrame? FrameAt(string symbol, long asOfMs);
}

/// <summary>Feature frames held in memory (e.g. built once by the trainer from the data processor).</summary>
public sealed class FeatureFrameTable : IFeatureFrameSource
{
    private readonly Dictionary<(string, long), FeatureFrame> _frames = [];

    public FeatureFrameTable(IEnumerable<FeatureFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        foreach (var frame in frames)
        {
            if (!_frames.TryAdd((frame.Symbol, frame.AsOfMs), frame))
            {
                throw new ArgumentException($"Two feature frames for {frame.Symbol} at {frame.AsOfMs}.", nameof(frames));
            }
        }
    }

    public int Count => _frames.Count;

    public FeatureFrame? FrameAt(string symbol, long asOfMs) => _frames.GetValueOrDefault((symbol, asOfMs));
}

/// <summary>
/// The feature frame of the decision time (docs/features.md): "frame.present" (1 when a frame exists for that time, 0
/// otherwise), then the frame's values in the schema's layout, then optionally its mask (1 valid, 0 masked). Without a
/// frame every value is 0. A frame of another schema is refused: the agent must see the layout it was trained on.
/// </summary>
public sealed class FeatureFrameObservationSource : IObservationSource
{
    private readonly IFeatureFrameSource _frames;
    private readonly FeatureSchema _schema;
    private readonly bool _includeMask;
    private string _symbol = string.Empty;

    public FeatureFrameObservationSource(IFeatureFrameSource frames, FeatureSchema schema, bool includeMask = false)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(schema);
        _frames = frames;
        _schema = schema;
        _includeMask = includeMask;
        var names = new List<string>(1 + schema.Length * (includeMask ? 2 : 1)) { "frame.present" };
        var values = ValueNames(schema);
        names.AddRange(values.Select(n => "frame." + n));
        if (includeMask)
        {
            names.AddRange(values.Select(n => "mask." + n));
        }

        Names = names;
    }

    public IReadOnlyList<string> Names { get; }

    public void Reset(ObservationEpisode episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        _symbol = episode.PrimarySymbol;
    }

    public void OnBar(OHLCVBar bar)
    {
    }

    public void Write(OHLCVBar decisionBar, Span<float> destination)
    {
        var length = _schema.Length;
        var frame = _frames.FrameAt(_symbol, decisionBar.CloseTimeMs + 1);
        if (frame is null)
        {
            destination[..Names.Count].Clear();
            return;
        }

        if (!string.Equals(frame.SchemaHash, _schema.Hash, StringComparison.Ordinal) || frame.Values.Length != length || frame.Mask.Length != length)
        {
            throw new InvalidOperationException($"Feature frame {frame.Symbol} at {frame.AsOfMs} has schema {frame.SchemaHash} ({frame.Values.Length} values); the observation expects {_schema.Hash} ({length} values).");
        }

        destination[0] = 1f;
        frame.Values.AsSpan().CopyTo(destination.Slice(1, length));
        if (_includeMask)
        {
            var mask = destination.Slice(1 + length, length);
            for (var i = 0; i < length; i++)
            {
                mask[i] = frame.Mask[i];
            }
        }
    }

    /// <summary>"SYMBOL.tf.w.feature" for every value, in the schema's [symbols, timeframes, window, features] order.</summary>
    private static List<string> ValueNames(FeatureSchema schema)
    {
        var names = new List<string>(schema.Length);
        foreach (var symbol in schema.Symbols)
        {
            foreach (var timeframe in schema.Timeframes)
            {
                for (var w = 0; w < schema.WindowLength; w++)
                {
                    foreach (var feature in schema.Features)
                    {
                        names.Add(string.Create(CultureInfo.InvariantCulture, $"{symbol}.{timeframe.ToCode()}.{w}.{feature.Name}"));
                    }
                }
            }
        }

        return names;
    }
}

/// <summary>CNN predictions by time, for <see cref="CnnPredictionObservationSource"/>.</summary>
public interface ICnnPredictionSource
{
    /// <summary>The prediction for <paramref name="symbol"/> made on the frame of time <paramref name="asOfMs"/>, or null.</summary>
    CNNPrediction? PredictionAt(string symbol, long asOfMs);
}

/// <summary>CNN predictions held in memory (e.g. the trainer ran the model once over the frames).</summary>
public sealed class CnnPredictionTable : ICnnPredictionSource
{
    private readonly Dictionary<(string, long), CNNPrediction> _predictions = [];

    public CnnPredictionTable(IEnumerable<CNNPrediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        foreach (var prediction in predictions)
        {
            if (!_predictions.TryAdd((prediction.Symbol, prediction.AsOfMs), prediction))
            {
                throw new ArgumentException($"Two predictions for {prediction.Symbol} at {prediction.AsOfMs}.", nameof(predictions));
            }
        }
    }

    public int Count => _predictions.Count;

    public CNNPrediction? PredictionAt(string symbol, long asOfMs) => _predictions.GetValueOrDefault((symbol, asOfMs));
}

/// <summary>
/// The CNN's output at the decision time: "cnn.present", then per timeframe (in the given order) available,
/// p_none, p_high, p_low, confidence, then the hidden state (<c>hiddenSize</c> values). Without a prediction, or for
/// a timeframe the model did not predict, the values are 0. A hidden state of another size is refused.
/// </summary>
public sealed class CnnPredictionObservationSource : IObservationSource
{
    private const int PerTimeframe = 5;
    private readonly ICnnPredictionSource _predictions;
    private readonly Timeframe[] _timeframes;
    private readonly int _hiddenSize;
    private string _symbol = string.Empty;

    public CnnPredictionObservationSource(ICnnPredictionSource predictions, IReadOnlyList<Timeframe> timeframes, int hiddenSize)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(timeframes);
        ArgumentOutOfRangeException.ThrowIfNegative(hiddenSize);
        if (timeframes.Count == 0 || timeframes.Distinct().Count() != timeframes.Count)
        {
            throw new ArgumentException("Give at least one timeframe, each once.", nameof(timeframes));
        }

        _predictions = predictions;
        _timeframes = [.. timeframes];
        _hiddenSize = hiddenSize;
        var names = new List<string> { "cnn.present" };
        foreach (var tf in _timeframes)
        {
            var code = tf.ToCode();
            names.AddRange([$"cnn.{code}.available", $"cnn.{code}.p_none", $"cnn.{code}.p_high", $"cnn.{code}.p_low", $"cnn.{code}.confidence"]);
        }

        names.AddRange(Enumerable.Range(0, hiddenSize).Select(i => "cnn.hidden." + i.ToString(CultureInfo.InvariantCulture)));
        Names = names;
    }

    public IReadOnlyList<string> Names { get; }

    public void Reset(ObservationEpisode episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        _symbol = episode.PrimarySymbol;
    }

    public void OnBar(OHLCVBar bar)
    {
    }

    public void Write(OHLCVBar decisionBar, Span<float> destination)
    {
        destination = destination[..Names.Count];
        destination.Clear();
        var prediction = _predictions.PredictionAt(_symbol, decisionBar.CloseTimeMs + 1);
        if (prediction is null)
        {
            return;
        }

        if (prediction.HiddenState.Count != _hiddenSize)
        {
            throw new InvalidOperationException($"Model {prediction.ModelName} {prediction.ModelVersion} gives a hidden state of {prediction.HiddenState.Count} values; the observation expects {_hiddenSize}.");
        }

        destination[0] = 1f;
        for (var k = 0; k < _timeframes.Length; k++)
        {
            if (prediction.For(_timeframes[k]) is not { Available: true } p)
            {
                continue;
            }

            var o = 1 + k * PerTimeframe;
            destination[o] = 1f;
            destination[o + 1] = p.ProbabilityNone;
            destination[o + 2] = p.ProbabilityHigh;
            destination[o + 3] = p.ProbabilityLow;
            destination[o + 4] = p.Confidence;
        }

        var hidden = 1 + _timeframes.Length * PerTimeframe;
        for (var i = 0; i < _hiddenSize; i++)
        {
            destination[hidden + i] = prediction.HiddenState[i];
        }
    }
}
