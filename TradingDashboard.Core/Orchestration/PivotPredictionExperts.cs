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
/// Finds the newest usable prediction of the active model of a registry slot for a symbol: made at or before the bar's
/// close (no look-ahead while replaying history) and not older than MaxPredictionAgeSeconds.
/// </summary>
public sealed class SlotPredictionReader(IPredictionFeed? feed, IModelRegistry? registry, int maxAgeSeconds)
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

        var oldest = barCloseMs - (maxAgeSeconds * 1000L);
        CNNPrediction? best = null;
        foreach (var prediction in feed.Latest)
        {
            if (string.Equals(prediction.ModelName, modelName, StringComparison.Ordinal)
                && string.Equals(prediction.Symbol, symbol, StringComparison.Ordinal)
                && prediction.AsOfMs <= barCloseMs + 1
                && prediction.AsOfMs >= oldest
                && (best is null || prediction.AsOfMs > best.AsOfMs))
            {
                best = prediction;
            }
        }

        return best;
    }
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

    private readonly SlotPredictionReader _reader;
    private readonly Timeframe[] _timeframes;

    public CnnExpert(IOptions<OrchestratorOptions> options, IPredictionFeed? feed = null, IModelRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reader = new SlotPredictionReader(feed, registry, options.Value.MaxPredictionAgeSeconds);
        _timeframes = options.Value.CnnTimeframes.Select(TimeframeExtensions.Parse).Distinct().ToArray();
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
    private readonly SlotPredictionReader _reader;

    public FastTreeExpert(IOptions<OrchestratorOptions> options, IPredictionFeed? feed = null, IModelRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reader = new SlotPredictionReader(feed, registry, options.Value.MaxPredictionAgeSeconds);
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
