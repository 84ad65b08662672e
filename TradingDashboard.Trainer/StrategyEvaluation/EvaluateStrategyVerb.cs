using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spectre.Console;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Risk;
using TradingDashboard.Trainer.Verbs;

namespace TradingDashboard.Trainer.StrategyEvaluation;

/// <summary>
/// <c>evaluate-strategy</c> (issue 6, section 4): the orchestrator, each expert alone, buy-and-hold and a random policy
/// backtested on a held-out period with the same fees, slippage and risk settings as <c>backtest</c> (docs/models.md,
/// "Evaluate a strategy"). The CNN and FastTree models run offline over the period's feature frames first.
/// </summary>
internal sealed class EvaluateStrategyVerb : IVerb
{
    private readonly Func<FeatureSchema, IPivotModelFactory> _factory;
    private readonly EvaluationSeams _seams;

    public EvaluateStrategyVerb()
        : this(new EvaluationSeams())
    {
    }

    /// <param name="seams">Where the RL expert and the trained gate come from (the integration seam).</param>
    public EvaluateStrategyVerb(EvaluationSeams seams)
        : this(schema => new OnnxPivotModelFactory(
            new OnnxSessionFactory(Options.Create(new ModelsOptions()), NullLogger<OnnxSessionFactory>.Instance),
            RunningFeatureSchema.Fixed(schema)), seams)
    {
    }

    /// <param name="factory">Loads the pivot models for the frames' schema (default: the host's ONNX Runtime factory).</param>
    /// <param name="seams">Where the RL expert and the trained gate come from (the integration seam).</param>
    public EvaluateStrategyVerb(Func<FeatureSchema, IPivotModelFactory> factory, EvaluationSeams seams)
    {
        _factory = factory;
        _seams = seams;
    }

    public string Name => "evaluate-strategy";

    public string Summary => "Backtest the orchestrator, each expert alone, buy-and-hold and a random policy on a held-out period (return, Sharpe, Sortino, drawdown, trades, fees).";

    public string Usage =>
        "evaluate-strategy --data DIR --symbols ETHUSDT,BTCUSDT --from DATE --to DATE [--json OUT.json] [--models DIR] [--seeds 20] [--timeframe 1m] [--decisions-out FILE.jsonl] [--gate recent-accuracy|trained] [--warmup-days 3] [--cash 10000]";

    public IReadOnlyList<string> Details =>
    [
        "--data: folder of kline files (searched recursively); --from: first day traded (UTC); --to: last day (a bare date includes that day). History before --from only warms up (--warmup-days, default 3).",
        "--models: folder with cnn-pivot.onnx, fasttree-1m.onnx, fasttree-1h.onnx and their cards (default: the repository's onnx/). They run offline over the period's feature frames (primary symbol = first of --symbols, as live).",
        "Policies: orchestrator (rule, cnn, fasttree, and rl when a model exists; --gate), rl, cnn, fasttree, rule (each alone through the same thresholds and action mapping), buy-and-hold, random (--seeds N, default 20: mean, and the sample stdev of Sharpe).",
        "Same backtest settings for all: the backtest verb's paper venue (0.1 % taker fee, 1 bp slippage + size impact, next-bar fills) and risk manager, pivot stops; thresholds entry 0.6, exit 0.4; long 0.5 of equity per symbol.",
        "--json: rows {policy, status, totalReturn, sharpe, sortino, maxDrawdown, trades, feesPaid[, sharpeStdev, seeds]}; --decisions-out: the orchestrator's resolved decisions as JSON Lines (the gate's training data).",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Name, args, ["data", "symbols", "from", "to", "json", "models", "seeds", "timeframe", "decisions-out", "gate", "warmup-days", "cash"]);
        var dataDir = cl.Required("data");
        var symbols = cl.Required("symbols").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => KlineInput.ParseSymbol(Name, s)).Distinct(StringComparer.Ordinal).ToList();
        if (symbols.Count is 0 or > 4)
        {
            throw new UsageException($"{Name}: --symbols must list one to four symbols (primary first).");
        }

        var from = cl.Date("from") ?? throw new UsageException($"{Name}: missing required option --from.");
        var toText = cl.Required("to");
        var to = cl.Date("to")!.Value;
        if (DateOnly.TryParseExact(toText.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            to = to.AddDays(1);
        }

        if (to <= from)
        {
            throw new UsageException($"{Name}: --to must be after --from.");
        }

        var json = cl.Optional("json");
        var decisionsOut = cl.Optional("decisions-out");
        var seeds = cl.Int("seeds", 20, 2, 1000);
        var warmupDays = cl.Int("warmup-days", 3, 0, 365);
        var cash = cl.Int("cash", 10_000, 100, 1_000_000_000);
        var timeframe = KlineInput.ParseTimeframe(Name, cl.Optional("timeframe") ?? "1m");
        var gate = cl.Optional("gate") ?? EvaluationSeams.RecentAccuracy;
        if (gate is not (EvaluationSeams.RecentAccuracy or EvaluationSeams.Trained))
        {
            throw new UsageException($"{Name}: --gate must be {EvaluationSeams.RecentAccuracy} or {EvaluationSeams.Trained} (got '{gate}').");
        }

        var modelsDir = cl.Optional("models")
            ?? Path.Combine(RepositoryRoot.Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory(), "onnx");
        if (!Directory.Exists(dataDir))
        {
            throw new DirectoryNotFoundException($"Data folder not found: {dataDir}");
        }

        if (!Directory.Exists(modelsDir))
        {
            throw new DirectoryNotFoundException($"Models folder not found: {modelsDir}");
        }

        var clock = Stopwatch.StartNew();
        var warmupStart = from.AddDays(-warmupDays);
        var bars = LoadBars(dataDir, symbols, timeframe, warmupStart, from, to, console);

        var models = OfflinePredictions.ShippedModels(modelsDir);
        if (models.Count == 0)
        {
            console.MarkupLine($"[yellow]note:[/] no cnn-pivot/fasttree-1m/fasttree-1h model with its card in {Markup.Escape(modelsDir)}: the cnn and fasttree experts abstain throughout.");
        }

        // Frames from the start of the warm-up, so the experts vote (and are scored) during it as live; the fine
        // timeframes' history from a further warm-up before that for the features' own windows.
        var predictions = OfflinePredictions.Build(dataDir, symbols, warmupStart, to, warmupStart.AddDays(-Math.Max(1, warmupDays)), models, _factory, keepFrames: true, console);
        console.MarkupLine(Markup.Escape($"Offline predictions: {OfflinePredictions.Describe(predictions)}; frames for {symbols[0]} only (the primary symbol, as live): the cnn and fasttree experts abstain on {string.Join(",", symbols.Skip(1).DefaultIfEmpty("no other symbol"))}."));
        foreach (var note in predictions.Notes)
        {
            console.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }

        var orchestratorOptions = new OrchestratorOptions { Timeframe = timeframe.ToCode(), Symbols = symbols };
        var inputs = new EvaluationInputs(
            symbols,
            timeframe,
            from,
            to,
            bars,
            orchestratorOptions,
            BacktestOptions(symbols, cash, from, to),
            predictions.Schema,
            predictions.Frames,
            new CnnPredictionTable(predictions.Predictions.Where(p => predictions.ActiveModels.TryGetValue(ModelKinds.Cnn, out var cnn) && p.ModelName == cnn)),
            new TablePredictionSource(predictions.ActiveModels, predictions.Predictions, orchestratorOptions.MaxPredictionAgeSeconds),
            modelsDir);

        var evaluator = new StrategyEvaluator(inputs, _seams);
        StrategyEvaluationReport? report = null;
        try
        {
            console.Status().Start("backtesting", ctx =>
            {
                report = evaluator.RunAsync(gate, seeds, name => ctx.Status($"backtesting {name}")).GetAwaiter().GetResult();
            });
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("No '", StringComparison.Ordinal))
        {
            throw new UsageException($"{Name}: {ex.Message}");
        }

        WriteTable(console, report!, inputs);
        if (json is not null)
        {
            using (var writer = KlineInput.CreateOutput(json))
            {
                writer.Write(StrategyEvaluator.ToJson(report!.Rows));
            }

            console.MarkupLine($"Wrote [green]{Markup.Escape(json)}[/].");
        }

        if (decisionsOut is not null)
        {
            var resolved = report!.Decisions.Where(d => d.ForwardReturn is not null).ToList();
            DecisionOutcomeFile.Write(decisionsOut, resolved);
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {resolved.Count} resolved decisions ({report.Decisions.Count - resolved.Count} at the end of the period without a forward return left out) to {decisionsOut}.")));
        }

        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"Done in {clock.Elapsed.TotalSeconds:0.0} s.")));
        return 0;
    }

    /// <summary>The backtest verb's settings (paper venue defaults, risk sized to the cash, pivot stops).</summary>
    internal static BacktestOptions BacktestOptions(IReadOnlyList<string> symbols, decimal cash, DateTimeOffset from, DateTimeOffset to) =>
        BacktestVerb.Options(symbols, cash, StopLossMode.Pivot, from, to);

    /// <summary>The decision timeframe's klines of every symbol from the warm-up start to --to, in time order (the backtest verb's reading).</summary>
    private List<OHLCVBar> LoadBars(string dataDir, IReadOnlyList<string> symbols, Timeframe timeframe, DateTimeOffset warmupStart, DateTimeOffset from, DateTimeOffset to, IAnsiConsole console)
    {
        var files = ReplayFileCatalog.Scan(dataDir);
        var startMs = warmupStart.ToUnixTimeMilliseconds();
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var rejected = 0;
        var bars = new List<(OHLCVBar Bar, int Order)>();
        for (var k = 0; k < symbols.Count; k++)
        {
            if (!files.KlineTimeframes(symbols[k]).Contains(timeframe))
            {
                throw new InvalidDataException($"No {timeframe.ToCode()} kline files for {symbols[k]} in {dataDir}.");
            }

            var inRange = 0;
            foreach (var bar in files.ReadKlines(symbols[k], timeframe, "Replay", (_, _, _) => rejected++))
            {
                if (bar.OpenTimeMs >= toMs)
                {
                    break;
                }

                if (bar.OpenTimeMs >= startMs)
                {
                    bars.Add((bar, k));
                    inRange += bar.OpenTimeMs >= fromMs ? 1 : 0;
                }
            }

            if (inRange == 0)
            {
                throw new InvalidDataException($"No {timeframe.ToCode()} data for {symbols[k]} from {from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm} UTC in {dataDir}.");
            }
        }

        bars.Sort((a, b) => a.Bar.OpenTimeMs != b.Bar.OpenTimeMs ? a.Bar.OpenTimeMs.CompareTo(b.Bar.OpenTimeMs) : a.Order.CompareTo(b.Order));
        var first = DateTimeOffset.FromUnixTimeMilliseconds(bars.Where(b => b.Bar.OpenTimeMs >= fromMs).Min(b => b.Bar.OpenTimeMs));
        var last = DateTimeOffset.FromUnixTimeMilliseconds(bars[^1].Bar.OpenTimeMs);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{string.Join(",", symbols)} {timeframe.ToCode()}: {bars.Count} bars ({bars.Count(b => b.Bar.OpenTimeMs < fromMs)} warm-up); trading bars from {first:yyyy-MM-dd HH:mm} to {last:yyyy-MM-dd HH:mm} UTC{(rejected > 0 ? $", {rejected} malformed rows skipped" : string.Empty)}")));
        return bars.Select(b => b.Bar).ToList();
    }

    private static void WriteTable(IAnsiConsole console, StrategyEvaluationReport report, EvaluationInputs inputs)
    {
        static string Pct(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("P2", CultureInfo.InvariantCulture) : "n/a";
        static string Num(double? v, string format = "F2") => v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";
        var table = new Table()
            .Title(Markup.Escape($"{string.Join(",", inputs.Symbols)} {inputs.DecisionTimeframe.ToCode()} {inputs.From:yyyy-MM-dd} to {inputs.To:yyyy-MM-dd HH:mm} UTC; orchestrator: {string.Join(", ", report.Experts)}, gate {report.Gate}"))
            .AddColumn("policy").AddColumn("status").AddColumn("total return").AddColumn("sharpe").AddColumn("sortino")
            .AddColumn("max drawdown").AddColumn("trades").AddColumn("fees paid").AddColumn("sharpe stdev");
        foreach (var row in report.Rows)
        {
            table.AddRow(
                Markup.Escape(row.Policy),
                Markup.Escape(row.Seeds is { } n ? $"{row.Status} (mean of {n} seeds)" : row.Status),
                Pct(row.TotalReturn),
                Num(row.Sharpe),
                Num(row.Sortino),
                Pct(row.MaxDrawdown),
                Num(row.Trades, row.Seeds is null ? "F0" : "F1"),
                Num(row.FeesPaid),
                row.SharpeStdev is null ? "-" : Num(row.SharpeStdev));
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape(
            $"buy-and-hold runs through the same venue and risk manager (its trailing stop can close it); the cost-free benchmark (equal parts, no fees, no stop): return {Pct(report.Benchmark.TotalReturn)}, sharpe {Num(report.Benchmark.Sharpe)}, max drawdown {Pct(report.Benchmark.MaxDrawdown)}."));
    }
}
