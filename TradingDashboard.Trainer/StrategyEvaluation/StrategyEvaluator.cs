using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Strategies;

namespace TradingDashboard.Trainer.StrategyEvaluation;

/// <summary>
/// Everything an evaluation runs on, for the policies and for the integration seam (<see cref="EvaluationSeams"/>).
/// </summary>
/// <param name="Bars">Closed bars of the decision timeframe of every symbol in time order (warm-up first), as the backtester reads them.</param>
/// <param name="Orchestrator">Orchestrator settings (thresholds, horizon, gate temperature, volatility windows, fractions).</param>
/// <param name="Backtest">The same backtest options for every policy (fees, slippage, risk, period).</param>
/// <param name="Schema">The feature schema of <paramref name="Frames"/>.</param>
/// <param name="Frames">Feature frames of the primary symbol by time (the RL expert's observation).</param>
/// <param name="CnnPredictions">The CNN model's predictions by time (the RL expert's observation); empty without a CNN model.</param>
/// <param name="Predictions">Every pivot model's predictions for the CNN and FastTree experts.</param>
/// <param name="ModelsDirectory">Where the models were read (--models).</param>
public sealed record EvaluationInputs(
    IReadOnlyList<string> Symbols,
    Timeframe DecisionTimeframe,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<OHLCVBar> Bars,
    OrchestratorOptions Orchestrator,
    BacktestOptions Backtest,
    FeatureSchema? Schema,
    FeatureFrameTable Frames,
    CnnPredictionTable CnnPredictions,
    IExpertPredictionSource Predictions,
    string ModelsDirectory);

/// <summary>
/// Where the RL expert and the trained gate of an evaluation come from. The RL expert: the policy of
/// <c>MODELS/rl</c> with the best validation Sharpe (ties: the newest; the host's registry picks the same unless an
/// admin switched), run by the host's <see cref="RlExpert"/> over the evaluation's
/// frames and CNN predictions; null (the "rl" row says "no RL model") when the folder holds none. The trained gate: the
/// newest gate card of <c>MODELS/gate</c>, run like the host's trained gate (masked and renormalized); null when there is
/// none (the verb then stops with "no trained gate"). Each call returns a NEW instance: experts keep state. Tests
/// override these to inject their own.
/// </summary>
public class EvaluationSeams
{
    public const string RecentAccuracy = "recent-accuracy";
    public const string Trained = "trained";

    private readonly Lazy<OnnxSessionFactory> _sessions = new(() =>
        new OnnxSessionFactory(Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 }), NullLogger<OnnxSessionFactory>.Instance));

    /// <summary>The RL expert over the shipped or trained policy, or null when <c>MODELS/rl</c> has none.</summary>
    public virtual IExpert? CreateRlExpert(EvaluationInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var folder = Path.Combine(inputs.ModelsDirectory, "rl");
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var path = Directory.EnumerateFiles(folder, "*.onnx")
            .Where(f => File.Exists(Path.ChangeExtension(f, ".json")))
            .Select(f => (Path: f, Card: PolicyModelCard.Read(Path.ChangeExtension(f, ".json"))))
            .OrderByDescending(c => c.Card.Validation?.Sharpe ?? double.NegativeInfinity)
            .ThenByDescending(c => c.Card.CreatedUtc)
            .Select(c => c.Path)
            .FirstOrDefault();
        if (path is null)
        {
            return null;
        }

        var policy = OnnxRlPolicy.Load(path, _sessions.Value);
        return new RlExpert(new FixedRlPolicySource(policy), inputs.Frames, inputs.Schema, inputs.CnnPredictions, inputs.DecisionTimeframe);
    }

    /// <summary>The gate of the orchestrator row for <paramref name="kind"/> ("recent-accuracy" or "trained"); null when that gate is not available.</summary>
    /// <param name="experts">The experts' names in the orchestrator's order.</param>
    public virtual IGate? CreateGate(string kind, EvaluationInputs inputs, IReadOnlyList<string> experts)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (kind == RecentAccuracy)
        {
            return new RecentAccuracyGate(inputs.Orchestrator.GateTemperature);
        }

        var folder = Path.Combine(inputs.ModelsDirectory, TrainedGate.FolderName);
        if (kind != Trained || !Directory.Exists(folder))
        {
            return null;
        }

        var newest = Directory.EnumerateFiles(folder, "*.onnx")
            .Where(f => File.Exists(Path.ChangeExtension(f, ".json")))
            .Select(f => (Path: f, Card: GateModelCard.Read(Path.ChangeExtension(f, ".json"))))
            .OrderByDescending(c => c.Card.CreatedUtc)
            .FirstOrDefault();
        return newest.Path is null ? null : OnnxGate.Load(newest.Path, _sessions.Value);
    }
}

/// <summary>
/// One row of the evaluation JSON. Fractions for returns and drawdown (0.1 = 10 %), Sharpe and Sortino annualized from
/// daily returns (docs/metrics.md), trades = closed round trips, feesPaid in the account currency. For "random" the
/// metrics are means over the seeds and <see cref="SharpeStdev"/> is the sample standard deviation of the Sharpe ratios.
/// <see cref="Status"/> is "ok", or why there are no numbers (e.g. "no RL model"; the metrics are then null).
/// </summary>
public sealed record StrategyEvaluationRow(
    string Policy,
    string Status,
    double? TotalReturn,
    double? Sharpe,
    double? Sortino,
    double? MaxDrawdown,
    double? Trades,
    double? FeesPaid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? SharpeStdev = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Seeds = null)
{
    public const string Ok = "ok";
    public const string NoRlModel = "no RL model";

    public static StrategyEvaluationRow From(string policy, PerformanceSummary m) =>
        new(policy, Ok, m.TotalReturn, m.Sharpe, m.Sortino, m.MaxDrawdown, m.Trades, m.FeesPaid);

    public static StrategyEvaluationRow Missing(string policy, string status) => new(policy, status, null, null, null, null, null, null);
}

/// <summary>What an evaluation produced.</summary>
/// <param name="Decisions">The orchestrator run's trading-period decisions with their outcomes.</param>
/// <param name="Benchmark">The backtester's cost-free buy-and-hold benchmark (equal parts, no fees, no stop) over the same period.</param>
public sealed record StrategyEvaluationReport(IReadOnlyList<StrategyEvaluationRow> Rows, IReadOnlyList<DecisionOutcome> Decisions, string Gate, IReadOnlyList<string> Experts, PerformanceSummary Benchmark);

/// <summary>
/// Backtests every policy of evaluate-strategy on the same bars with the same <see cref="BacktestOptions"/>:
/// the orchestrator (rule, cnn, fasttree and rl when present, with the chosen gate), each expert alone (an orchestrator
/// with only that expert: the recent-accuracy gate gives a lone voting expert weight 1, so its vote goes through the same
/// thresholds and <see cref="ActionMapper"/>), buy-and-hold, and the random policy over seeds 1..N.
/// </summary>
public sealed class StrategyEvaluator(EvaluationInputs inputs, EvaluationSeams seams)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Experts by name, each call a new instance (experts keep state).</summary>
    public IExpert? CreateExpert(string name) => name switch
    {
        RuleExpert.ExpertName => new RuleExpert(new PivotBreakoutStrategy(
            inputs.Symbols, new PivotBreakoutSettings(new RuleStrategyOptions().Level, new RuleStrategyOptions().AtrPeriod, inputs.DecisionTimeframe))),
        CnnExpert.ExpertName => new CnnExpert(inputs.Predictions, inputs.Orchestrator.CnnTimeframes.Select(TimeframeExtensions.Parse)),
        FastTreeExpert.ExpertName => new FastTreeExpert(inputs.Predictions),
        "rl" => seams.CreateRlExpert(inputs),
        _ => throw new ArgumentException($"Unknown expert '{name}'.", nameof(name)),
    };

    public ActionMapper Mapper() =>
        new(Orchestrator.Source, inputs.Orchestrator.LongFraction, inputs.Orchestrator.ShortEnabled, inputs.Orchestrator.ShortFraction);

    /// <summary>An orchestrator over <paramref name="experts"/> with the evaluation's thresholds and settings.</summary>
    public Orchestrator CreateOrchestrator(IReadOnlyList<IExpert> experts, IGate gate)
    {
        var o = inputs.Orchestrator;
        return new Orchestrator(
            experts,
            gate,
            new ExpertScoreboard(o.ScoreHorizonBars, o.AccuracyWindow),
            new FixedThresholdStore(inputs.Symbols, new ConfidenceThresholds(o.EntryThreshold, o.ExitThreshold)),
            Mapper(),
            new VolatilityTracker(o.VolatilityShortBars, o.VolatilityLongBars));
    }

    public async Task<BacktestResult> BacktestAsync(IStrategy strategy, CancellationToken cancellationToken = default) =>
        await new Backtester(inputs.Backtest).RunAsync(inputs.Bars, strategy, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <param name="report">Called with each policy's name before it runs (progress).</param>
    public async Task<StrategyEvaluationReport> RunAsync(string gateKind, int seeds, Action<string>? report = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 2);
        var rows = new List<StrategyEvaluationRow>();

        // The orchestrator with every available expert.
        var experts = new List<IExpert> { CreateExpert(RuleExpert.ExpertName)!, CreateExpert(CnnExpert.ExpertName)!, CreateExpert(FastTreeExpert.ExpertName)! };
        if (CreateExpert("rl") is { } rl)
        {
            experts.Add(rl);
        }

        var names = experts.Select(e => e.Name).ToArray();
        var gate = seams.CreateGate(gateKind, inputs, names)
            ?? throw new InvalidOperationException($"No '{gateKind}' gate in this build (the trained gate is integration pending): use --gate {EvaluationSeams.RecentAccuracy}.");
        report?.Invoke("orchestrator");
        var orchestrator = new OrchestratorStrategy("orchestrator", CreateOrchestrator(experts, gate), inputs.DecisionTimeframe, inputs.Symbols);
        rows.Add(StrategyEvaluationRow.From("orchestrator", (await BacktestAsync(orchestrator, cancellationToken).ConfigureAwait(false)).Metrics));

        foreach (var name in new[] { "rl", CnnExpert.ExpertName, FastTreeExpert.ExpertName, RuleExpert.ExpertName })
        {
            if (CreateExpert(name) is not { } expert)
            {
                rows.Add(StrategyEvaluationRow.Missing(name, StrategyEvaluationRow.NoRlModel));
                continue;
            }

            report?.Invoke(name);
            var alone = new OrchestratorStrategy(name, CreateOrchestrator([expert], new RecentAccuracyGate(inputs.Orchestrator.GateTemperature)), inputs.DecisionTimeframe, inputs.Symbols);
            rows.Add(StrategyEvaluationRow.From(name, (await BacktestAsync(alone, cancellationToken).ConfigureAwait(false)).Metrics));
        }

        report?.Invoke("buy-and-hold");
        var hold = await BacktestAsync(new BuyAndHoldStrategy(inputs.Symbols.ToList()), cancellationToken).ConfigureAwait(false);
        rows.Add(StrategyEvaluationRow.From("buy-and-hold", hold.Metrics));

        var runs = new List<PerformanceSummary>(seeds);
        for (var seed = 1; seed <= seeds; seed++)
        {
            report?.Invoke(string.Create(CultureInfo.InvariantCulture, $"random seed {seed}/{seeds}"));
            var random = new RandomStrategy(seed, Mapper(), inputs.DecisionTimeframe, inputs.Symbols);
            runs.Add((await BacktestAsync(random, cancellationToken).ConfigureAwait(false)).Metrics);
        }

        rows.Add(RandomRow(runs));
        return new StrategyEvaluationReport(rows, orchestrator.Outcomes, gate.Name, names, hold.BenchmarkMetrics);
    }

    /// <summary>The random row: the mean of each metric over the seeds (Sharpe and Sortino over the seeds that have one) and the sample stdev of Sharpe.</summary>
    public static StrategyEvaluationRow RandomRow(IReadOnlyList<PerformanceSummary> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var sharpes = runs.Where(r => r.Sharpe is { } s && double.IsFinite(s)).Select(r => r.Sharpe!.Value).ToArray();
        var sortinos = runs.Where(r => r.Sortino is { } s && double.IsFinite(s)).Select(r => r.Sortino!.Value).ToArray();
        return new StrategyEvaluationRow(
            "random",
            StrategyEvaluationRow.Ok,
            runs.Average(r => r.TotalReturn),
            sharpes.Length > 0 ? sharpes.Average() : null,
            sortinos.Length > 0 ? sortinos.Average() : null,
            runs.Average(r => r.MaxDrawdown),
            runs.Average(r => (double)r.Trades),
            runs.Average(r => r.FeesPaid),
            SampleStdev(sharpes),
            runs.Count);
    }

    public static double? SampleStdev(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            return null;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    public static string ToJson(IReadOnlyList<StrategyEvaluationRow> rows) => JsonSerializer.Serialize(rows, JsonOptions);
}
