using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;

namespace TradingDashboard.Trainer.Gate;

/// <summary>
/// The chronological split of a <see cref="GateDataset"/>: train = [0, TrainCount), then <see cref="Gap"/> decisions
/// dropped, then validation = [ValidationStart, ValidationStart + ValidationCount) up to the newest.
/// </summary>
public sealed record GateSplit(int TrainCount, int Gap, int ValidationStart, int ValidationCount);

/// <summary>
/// The resolved decisions a gate trains on, in time order (stable by decision time, so the file's order breaks ties),
/// encoded once: features [N, F] (<see cref="GateFeatureEncoder"/> for <see cref="Experts"/>), votes [N, E]
/// (confidence x direction of each expert's recorded vote, 0 for Hold, abstained or missing) and the forward returns.
/// Decisions without a finite forward return are left out and counted in <see cref="Unresolved"/>.
/// </summary>
public sealed class GateDataset
{
    private static readonly JsonSerializerOptions HashOptions = new(ModelCard.JsonOptions) { WriteIndented = false };

    private GateDataset(IReadOnlyList<string> experts, IReadOnlyList<DecisionOutcome> decisions, int unresolved)
    {
        Experts = experts;
        Decisions = decisions;
        Unresolved = unresolved;
        FeatureCount = GateFeatureEncoder.Length(experts.Count);
        Features = new float[decisions.Count * FeatureCount];
        Votes = new float[decisions.Count * experts.Count];
        Returns = new double[decisions.Count];
        for (var n = 0; n < decisions.Count; n++)
        {
            var context = decisions[n].Context;
            GateFeatureEncoder.Encode(context, experts, Features.AsSpan(n * FeatureCount, FeatureCount));
            for (var k = 0; k < experts.Count; k++)
            {
                Votes[(n * experts.Count) + k] = (float)Vote(context, experts[k]);
            }

            Returns[n] = decisions[n].ForwardReturn!.Value;
        }
    }

    public IReadOnlyList<string> Experts { get; }

    /// <summary>The resolved decisions, oldest first.</summary>
    public IReadOnlyList<DecisionOutcome> Decisions { get; }

    /// <summary>Decisions of the input left out because their forward return was null or not finite.</summary>
    public int Unresolved { get; }

    public int Count => Decisions.Count;

    public int FeatureCount { get; }

    /// <summary>Row-major [Count, FeatureCount].</summary>
    public float[] Features { get; }

    /// <summary>Row-major [Count, Experts]: c x d of each expert's vote.</summary>
    public float[] Votes { get; }

    /// <summary>The raw forward returns (close(t + h) / close(t) - 1).</summary>
    public double[] Returns { get; }

    public static GateDataset Build(IReadOnlyList<DecisionOutcome> decisions, IReadOnlyList<string> experts)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(experts);
        if (experts.Count == 0 || experts.Distinct(StringComparer.Ordinal).Count() != experts.Count || experts.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("The gate needs a non-empty list of distinct expert names.", nameof(experts));
        }

        var resolved = decisions
            .Where(d => d is { ForwardReturn: { } r } && double.IsFinite(r))
            .OrderBy(d => d.Context.Time)
            .ToList();
        return new GateDataset(experts.ToList(), resolved, decisions.Count - resolved.Count);
    }

    /// <summary>The distinct expert names of the decisions' contexts, in first-seen order.</summary>
    public static IReadOnlyList<string> DistinctExperts(IEnumerable<DecisionOutcome> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var decision in decisions)
        {
            foreach (var input in decision.Context.Experts)
            {
                if (seen.Add(input.Expert))
                {
                    names.Add(input.Expert);
                }
            }
        }

        return names;
    }

    /// <summary>c x d of <paramref name="expert"/>'s vote in <paramref name="context"/> (0 when it held, abstained or is missing).</summary>
    public static double Vote(GateContext context, string expert)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var input in context.Experts)
        {
            if (string.Equals(input.Expert, expert, StringComparison.Ordinal))
            {
                return input.Vote.Confidence * input.Vote.Direction;
            }
        }

        return 0;
    }

    /// <summary>
    /// The gap between train and validation, in decisions: the largest horizon of the decisions times the number of
    /// symbols (one decision per symbol per bar), so that no training decision's forward return reaches into the
    /// validation period.
    /// </summary>
    public int GapDecisions()
    {
        if (Count == 0)
        {
            return 0;
        }

        var horizon = Decisions.Max(d => Math.Max(0, d.HorizonBars));
        var symbols = Decisions.Select(d => d.Context.Symbol).Distinct(StringComparer.Ordinal).Count();
        return horizon * symbols;
    }

    /// <summary>
    /// Train on the oldest, validate on the newest ceil(<paramref name="validationFraction"/> x N) decisions, with
    /// <see cref="GapDecisions"/> dropped between them. Throws <see cref="InvalidDataException"/> with the counts when
    /// either side would be smaller than its minimum.
    /// </summary>
    public GateSplit Split(double validationFraction, int minTrain, int minValidation)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be between 0 and 1.");
        }

        var validation = (int)Math.Ceiling(Count * validationFraction);
        var gap = GapDecisions();
        var train = Count - validation - gap;
        if (train < minTrain || validation < minValidation)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Too few resolved decisions to train a gate: {Count} resolved ({Unresolved} unresolved left out); validation {validationFraction:0.##} of them and a gap of {gap} leave {Math.Max(0, train)} to train on and {validation} to validate, and at least {minTrain} and {minValidation} are needed. Record a longer period."));
        }

        return new GateSplit(train, gap, Count - validation, validation);
    }

    public IReadOnlyList<DecisionOutcome> Range(int start, int count) => Decisions.Skip(start).Take(count).ToList();

    /// <summary>SHA-256 of the decisions used (one compact JSON line each), for the card.</summary>
    public string Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var decision in Decisions)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(decision, HashOptions) + "\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
