using System.Globalization;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The documented rule that turns pivot predictions into a vote (docs/orchestrator.md), shared by the CNN and FastTree
/// experts. For each available head h (a timeframe of a model) whose most probable class is a pivot:
/// <list type="bullet">
/// <item>a predicted pivot LOW scores buy_h = P(low) x confidence (the price is expected to turn up after the low);</item>
/// <item>a predicted pivot HIGH scores sell_h = P(high) x confidence (expected to turn down).</item>
/// </list>
/// buy = max buy_h, sell = max sell_h (0 when no head predicts that class). Buy with confidence buy when buy &gt; sell;
/// Sell with confidence sell when sell &gt; buy; otherwise Hold with confidence max_h P(none) x confidence. No available
/// head: the expert abstains.
/// </summary>
public static class PivotVoteRule
{
    public static ExpertVote Vote(IReadOnlyList<(string Model, TimeframePivotPrediction Head)> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        double buy = 0, sell = 0, hold = 0;
        string? buyWhy = null, sellWhy = null;
        var available = 0;
        foreach (var (model, head) in heads)
        {
            if (!head.Available)
            {
                continue;
            }

            available++;
            switch (head.Predicted)
            {
                case PivotClass.Low:
                    var b = (double)head.ProbabilityLow * head.Confidence;
                    if (b > buy)
                    {
                        buy = b;
                        buyWhy = Describe(model, head, "low", head.ProbabilityLow);
                    }

                    break;
                case PivotClass.High:
                    var s = (double)head.ProbabilityHigh * head.Confidence;
                    if (s > sell)
                    {
                        sell = s;
                        sellWhy = Describe(model, head, "high", head.ProbabilityHigh);
                    }

                    break;
                default:
                    hold = Math.Max(hold, (double)head.ProbabilityNone * head.Confidence);
                    break;
            }
        }

        if (available == 0)
        {
            return ExpertVote.Abstain("no available prediction head");
        }

        if (buy > sell)
        {
            return ExpertVote.Create(AgentAction.Buy, buy, buyWhy!);
        }

        if (sell > buy)
        {
            return ExpertVote.Create(AgentAction.Sell, sell, sellWhy!);
        }

        return ExpertVote.Create(
            AgentAction.Hold,
            buy > 0 ? 0 : hold,
            buy > 0 ? "low and high predicted equally strongly" : "no pivot predicted");
    }

    private static string Describe(string model, TimeframePivotPrediction head, string kind, float probability) =>
        string.Create(CultureInfo.InvariantCulture, $"{model} {head.Timeframe.ToCode()}: next pivot {kind} p={probability:0.00} conf={head.Confidence:0.00}");
}

/// <summary>
/// Where the CNN and FastTree experts read pivot predictions: live from model serving (<see cref="SlotPredictionReader"/>)
/// or from a table computed offline (<see cref="TablePredictionSource"/>, evaluate-strategy). Both apply the same rule
/// (<see cref="PredictionFreshness"/>): the newest prediction made at or before the bar close and not older than the
/// maximum age.
/// </summary>
public interface IExpertPredictionSource
{
    /// <summary>False when no predictions can exist at all (model serving not registered): the experts abstain.</summary>
    bool IsServing { get; }

    /// <summary>The active model's name for the registry slot ("cnn", "fasttree-1m", "fasttree-1h"), or null.</summary>
    string? ActiveModel(string slot);

    /// <summary>The newest usable prediction of <paramref name="modelName"/> for the symbol at the bar close, or null.</summary>
    CNNPrediction? Fresh(string modelName, string symbol, long barCloseMs);
}

/// <summary>The one freshness rule of the experts' predictions (no look-ahead, bounded age).</summary>
public static class PredictionFreshness
{
    /// <summary>
    /// True when a prediction made at <paramref name="asOfMs"/> may be used at the close of a bar whose last millisecond
    /// is <paramref name="barCloseMs"/>: made at or before the close (a frame's time is the close + 1 ms, hence the + 1)
    /// and at most <paramref name="maxAgeSeconds"/> old.
    /// </summary>
    public static bool IsUsable(long asOfMs, long barCloseMs, int maxAgeSeconds) =>
        asOfMs <= barCloseMs + 1 && asOfMs >= barCloseMs - (maxAgeSeconds * 1000L);
}

/// <summary>
/// Finds the newest usable prediction of the active model of a registry slot for a symbol: made at or before the bar's
/// close (no look-ahead while replaying history) and not older than MaxPredictionAgeSeconds.
/// </summary>
public sealed class SlotPredictionReader(IPredictionFeed? feed, IModelRegistry? registry, int maxAgeSeconds) : IExpertPredictionSource
{
    public bool IsServing => feed is not null && registry is not null;

    /// <summary>The active model's name for the slot, or null.</summary>
    public string? ActiveModel(string slot) =>
        registry?.Models.FirstOrDefault(m => m.Active && string.Equals(m.Slot, slot, StringComparison.Ordinal))?.Name;

    public CNNPrediction? Fresh(string modelName, string symbol, long barCloseMs)
    {
        if (feed is null)
        {
            return null;
        }

        CNNPrediction? best = null;
        foreach (var prediction in feed.Latest)
        {
            if (string.Equals(prediction.ModelName, modelName, StringComparison.Ordinal)
                && string.Equals(prediction.Symbol, symbol, StringComparison.Ordinal)
                && PredictionFreshness.IsUsable(prediction.AsOfMs, barCloseMs, maxAgeSeconds)
                && (best is null || prediction.AsOfMs > best.AsOfMs))
            {
                best = prediction;
            }
        }

        return best;
    }
}

/// <summary>
/// Predictions computed offline (the trainer ran each model over the period's feature frames), with the same rule as
/// live serving: <see cref="Fresh"/> returns the newest prediction of the model for the symbol made at or before the bar
/// close and at most <c>maxAgeSeconds</c> old, so a backtest never sees a prediction from after its bar.
/// </summary>
public sealed class TablePredictionSource : IExpertPredictionSource
{
    private readonly Dictionary<string, string> _activeModels;
    private readonly Dictionary<(string Model, string Symbol), Series> _series = [];
    private readonly int _maxAgeSeconds;

    /// <param name="activeModels">Registry slot to model name ("cnn" to "cnn-pivot", ...): the models the experts use.</param>
    /// <param name="predictions">Any order; two predictions of one model for one symbol at one time are refused.</param>
    public TablePredictionSource(IReadOnlyDictionary<string, string> activeModels, IEnumerable<CNNPrediction> predictions, int maxAgeSeconds)
    {
        ArgumentNullException.ThrowIfNull(activeModels);
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAgeSeconds, 1);
        _activeModels = new Dictionary<string, string>(activeModels, StringComparer.Ordinal);
        _maxAgeSeconds = maxAgeSeconds;
        var lists = new Dictionary<(string, string), List<CNNPrediction>>();
        foreach (var prediction in predictions)
        {
            ArgumentNullException.ThrowIfNull(prediction, nameof(predictions));
            if (!lists.TryGetValue((prediction.ModelName, prediction.Symbol), out var list))
            {
                lists[(prediction.ModelName, prediction.Symbol)] = list = [];
            }

            list.Add(prediction);
        }

        foreach (var (key, list) in lists)
        {
            list.Sort((a, b) => a.AsOfMs.CompareTo(b.AsOfMs));
            for (var i = 1; i < list.Count; i++)
            {
                if (list[i].AsOfMs == list[i - 1].AsOfMs)
                {
                    throw new ArgumentException($"Two predictions of {key.Item1} for {key.Item2} at {list[i].AsOfMs}.", nameof(predictions));
                }
            }

            _series[key] = new Series(list.Select(p => p.AsOfMs).ToArray(), list.ToArray());
        }

        Count = lists.Values.Sum(l => l.Count);
    }

    /// <summary>Predictions held.</summary>
    public int Count { get; }

    public bool IsServing => true;

    public string? ActiveModel(string slot) => _activeModels.GetValueOrDefault(slot);

    public CNNPrediction? Fresh(string modelName, string symbol, long barCloseMs)
    {
        if (!_series.TryGetValue((modelName, symbol), out var series))
        {
            return null;
        }

        // The last prediction made at or before the close; older ones are staler, so only it can qualify.
        var index = Array.BinarySearch(series.Times, barCloseMs + 1);
        index = index >= 0 ? index : ~index - 1;
        if (index < 0)
        {
            return null;
        }

        var prediction = series.Predictions[index];
        return PredictionFreshness.IsUsable(prediction.AsOfMs, barCloseMs, _maxAgeSeconds) ? prediction : null;
    }

    private sealed record Series(long[] Times, CNNPrediction[] Predictions);
}

/// <summary>
/// The CNN expert ("cnn"): the newest fresh prediction of the active model of slot "cnn" for the symbol, its heads of
/// Trading:Orchestrator:CnnTimeframes (1m and 1h by default) mapped by <see cref="PivotVoteRule"/>. Abstains without
/// model serving, an active CNN model or a fresh prediction. The inference stage and the orchestrator both react to the
/// bar close, so the prediction used can be the previous bar's when inference has not finished yet.
/// </summary>
public sealed class CnnExpert : IExpert
{
    public const string ExpertName = "cnn";

    private readonly IExpertPredictionSource _reader;
    private readonly Timeframe[] _timeframes;

    public CnnExpert(IOptions<OrchestratorOptions> options, IPredictionFeed? feed = null, IModelRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reader = new SlotPredictionReader(feed, registry, options.Value.MaxPredictionAgeSeconds);
        _timeframes = options.Value.CnnTimeframes.Select(TimeframeExtensions.Parse).Distinct().ToArray();
    }

    /// <summary>Reads predictions from <paramref name="predictions"/> (e.g. a <see cref="TablePredictionSource"/> offline), heads <paramref name="timeframes"/>.</summary>
    public CnnExpert(IExpertPredictionSource predictions, IEnumerable<Timeframe> timeframes)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(timeframes);
        _reader = predictions;
        _timeframes = timeframes.Distinct().ToArray();
    }

    public string Name => ExpertName;

    public ExpertVote Vote(ExpertContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_reader.IsServing)
        {
            return ExpertVote.Abstain("model serving is not registered");
        }

        if (_reader.ActiveModel(ModelKinds.Cnn) is not { } model)
        {
            return ExpertVote.Abstain("no active cnn model");
        }

        if (_reader.Fresh(model, context.Symbol, context.Bar.CloseTimeMs) is not { } prediction)
        {
            return ExpertVote.Abstain($"no fresh prediction of {model}");
        }

        var heads = _timeframes.Select(tf => (model, prediction.For(tf) ?? TimeframePivotPrediction.Unavailable(tf))).ToList();
        return PivotVoteRule.Vote(heads);
    }
}

/// <summary>
/// The FastTree expert ("fasttree"): the newest fresh predictions of the active models of slots "fasttree-1m" and
/// "fasttree-1h" (one head each), mapped together by <see cref="PivotVoteRule"/>. Abstains when neither has one.
/// </summary>
public sealed class FastTreeExpert : IExpert
{
    public const string ExpertName = "fasttree";

    private static readonly (string Slot, Timeframe Timeframe)[] Slots = [("fasttree-1m", Timeframe.OneMinute), ("fasttree-1h", Timeframe.OneHour)];
    private readonly IExpertPredictionSource _reader;

    public FastTreeExpert(IOptions<OrchestratorOptions> options, IPredictionFeed? feed = null, IModelRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reader = new SlotPredictionReader(feed, registry, options.Value.MaxPredictionAgeSeconds);
    }

    /// <summary>Reads predictions from <paramref name="predictions"/> (e.g. a <see cref="TablePredictionSource"/> offline).</summary>
    public FastTreeExpert(IExpertPredictionSource predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        _reader = predictions;
    }

    public string Name => ExpertName;

    public ExpertVote Vote(ExpertContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_reader.IsServing)
        {
            return ExpertVote.Abstain("model serving is not registered");
        }

        var heads = new List<(string, TimeframePivotPrediction)>(2);
        var models = 0;
        foreach (var (slot, timeframe) in Slots)
        {
            if (_reader.ActiveModel(slot) is not { } model)
            {
                continue;
            }

            models++;
            if (_reader.Fresh(model, context.Symbol, context.Bar.CloseTimeMs) is { } prediction && prediction.For(timeframe) is { } head)
            {
                heads.Add((model, head));
            }
        }

        if (models == 0)
        {
            return ExpertVote.Abstain("no active fasttree model");
        }

        return heads.Count == 0 ? ExpertVote.Abstain("no fresh fasttree prediction") : PivotVoteRule.Vote(heads);
    }
}
