using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Trainer.Verbs;

namespace TradingDashboard.Trainer.Rl;

/// <summary><c>train rl</c>: trains the RL agent (DQN or PPO) on kline history and writes the policy ONNX, its card and the run record.</summary>
internal sealed class TrainRlCommand(TimeProvider time)
{
    public const string Name = "rl";

    private static readonly string[] Options =
    [
        "algo", "data", "symbols", "from", "to", "validation-days", "episodes", "max-steps", "seed", "step", "bars", "observation", "cnn",
        "out", "models", "checkpoints", "checkpoint-every", "name", "resume", "trade-penalty", "drawdown-penalty", "volatility-penalty",
        "hidden", "learning-rate", "gamma", "cash", "threads", "batch-size", "target-sync", "epsilon-decay", "entropy", "temperature",
    ];

    public static string Usage =>
        "train rl --algo dqn|ppo --data DIR --from DATE --to DATE [--symbols ETHUSDT,BTCUSDT] [--validation-days 7] [--episodes 200] [--max-steps 500] " +
        "[--seed 42] [--step 1m] [--bars 1m] [--observation bars|frame|bars+cnn|frame+cnn] [--cnn onnx/cnn-pivot.onnx] [--out onnx/rl] [--models onnx] [--checkpoints onnx/checkpoints/rl] [--checkpoint-every 25] " +
        "[--name rl-policy] [--resume CHECKPOINT.bin] [--trade-penalty 0] [--drawdown-penalty 0.5] [--volatility-penalty 0] [--hidden 64,64] [--learning-rate X] " +
        "[--gamma 0.99] [--cash 10000] [--threads 1] [--batch-size 64] [--target-sync 1000] [--epsilon-decay 0.5] [--entropy 0.01] [--temperature 1]";

    public static IReadOnlyList<string> Details =>
    [
        "rl: episodes of MAX-STEPS decisions from random starts in [--from, --to minus --validation-days), the primary symbol alternating",
        "  among --symbols (all of them feed the venue and risk manager). The last --validation-days days are never trained on: the exported",
        "  policy is run greedily over them (walk-forward) per symbol; the first symbol's result goes into the card and the run record.",
        "  --bars: the kline timeframe read (1m or 1h); --step: the decision timeframe (a whole number of --bars).",
        "  --observation bars: returns and volatility of the step closes + position state. frame: + the primary symbol's feature frame;",
        "  bars+cnn: + the CNN's heads (1m and longer) and hidden state (--cnn, default onnx/cnn-pivot.onnx); frame+cnn: both. Frames and",
        "  predictions are built from the kline folder as live (1m history needed; none: present = 0), and episodes run on the first symbol only.",
        "  Writes OUT/NAME.onnx + OUT/NAME.json (card), MODELS/runs/rl/RUNID.json (rewritten after every episode), CHECKPOINTS/RUNID-epN.bin + .json.",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        const string verb = "train rl";
        var cl = new CommandLine(verb, args, Options);
        var algorithm = (cl.Optional("algo") ?? "dqn").ToLowerInvariant() switch
        {
            "dqn" => RlAlgorithm.Dqn,
            "ppo" => RlAlgorithm.Ppo,
            var other => throw new UsageException($"{verb}: --algo must be dqn or ppo (got '{other}')."),
        };
        var data = cl.Required("data");
        var from = cl.Date("from") ?? throw new UsageException($"{verb}: missing required option --from.");
        var to = cl.Date("to") ?? throw new UsageException($"{verb}: missing required option --to.");
        var validationDays = cl.Int("validation-days", 7, 1, 3650);
        var validationFrom = to - TimeSpan.FromDays(validationDays);
        if (validationFrom <= from)
        {
            throw new UsageException($"{verb}: --validation-days {validationDays} leaves no training period between --from and --to.");
        }

        var symbols = (cl.Optional("symbols") ?? "ETHUSDT,BTCUSDT").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => KlineInput.ParseSymbol(verb, s)).Distinct().ToList();
        if (symbols.Count is < 1 or > 4)
        {
            throw new UsageException($"{verb}: --symbols needs one to four symbols.");
        }

        var step = ParseTimeframe(verb, "step", cl.Optional("step") ?? "1m");
        var barTimeframe = ParseTimeframe(verb, "bars", cl.Optional("bars") ?? "1m");
        if (step.DurationMs() % barTimeframe.DurationMs() != 0)
        {
            throw new UsageException($"{verb}: --step {step.ToCode()} is not a whole number of --bars {barTimeframe.ToCode()}.");
        }

        var observationKind = (cl.Optional("observation") ?? "bars").ToLowerInvariant();
        if (!RlModelObservations.Kinds.Contains(observationKind))
        {
            throw new UsageException($"{verb}: --observation must be {string.Join(", ", RlModelObservations.Kinds)} (got '{observationKind}').");
        }

        var withCnn = observationKind.EndsWith("+cnn", StringComparison.Ordinal);
        if (cl.Optional("cnn") is not null && !withCnn)
        {
            throw new UsageException($"{verb}: --cnn is only used with --observation bars+cnn or frame+cnn.");
        }

        var options = new RlTrainingOptions
        {
            Algorithm = algorithm,
            ModelName = cl.Optional("name") ?? "rl-policy",
            Seed = cl.Int("seed", 42, 0, int.MaxValue),
            Episodes = cl.Int("episodes", 200, 1, 1_000_000),
            MaxSteps = cl.Int("max-steps", 500, 1, 10_000_000),
            Hidden = ParseHidden(verb, cl.Optional("hidden") ?? "64,64"),
            LearningRate = cl.Optional("learning-rate") is null ? null : Number(cl, verb, "learning-rate", 0),
            Gamma = Number(cl, verb, "gamma", 0.99),
            Threads = cl.Int("threads", 1, 1, 64),
            CheckpointEvery = cl.Int("checkpoint-every", 25, 0, 1_000_000),
            BatchSize = cl.Int("batch-size", 64, 1, 4096),
            TargetSync = cl.Int("target-sync", 1_000, 1, 10_000_000),
            EpsilonDecayFraction = Number(cl, verb, "epsilon-decay", 0.5),
            EntropyCoefficient = Number(cl, verb, "entropy", 0.01),
            Temperature = Number(cl, verb, "temperature", 1),
            Trigger = "cli",
        };
        options = options with { LearningStarts = Math.Max(options.BatchSize, options.LearningStarts) };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"{verb}: {ex.Message}");
        }

        // Warm-up: enough bar times for the volatility window of step returns (and at least the environment's 64).
        var stepBars = (int)(step.DurationMs() / barTimeframe.DurationMs());
        var environment = new RlEnvironmentSettings
        {
            Symbols = symbols,
            Cash = (decimal)Number(cl, verb, "cash", 10_000),
            StepTimeframe = step,
            WarmupBars = Math.Max(64, (32 + 1) * stepBars),
            DrawdownPenalty = Number(cl, verb, "drawdown-penalty", 0.5),
            VolatilityPenalty = Number(cl, verb, "volatility-penalty", 0),
            TradePenalty = Number(cl, verb, "trade-penalty", 0),
        };

        var root = RepositoryRoot.Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        var outDir = cl.Optional("out") ?? Path.Combine(root, "onnx", "rl");
        var models = cl.Optional("models") ?? Path.Combine(root, "onnx");
        var checkpoints = cl.Optional("checkpoints") ?? Path.Combine(root, "onnx", "checkpoints", "rl");
        var bars = LoadBars(data, symbols, barTimeframe, from - TimeSpan.FromMilliseconds((environment.WarmupBars + 2) * barTimeframe.DurationMs()), to);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Data: {bars.Count} {barTimeframe.ToCode()} bars of {string.Join(",", symbols)}; training {from:u}..{validationFrom:u}, validation {validationFrom:u}..{to:u}; step {step.ToCode()}.")));

        var observation = RlObservationInputs.BarReturns();
        IReadOnlyList<string> episodeSymbols = symbols;
        if (observationKind != "bars")
        {
            observation = ModelObservation(verb, observationKind, cl.Optional("cnn") ?? Path.Combine(root, "onnx", "cnn-pivot.onnx"), data, symbols, step,
                from - TimeSpan.FromMilliseconds((environment.WarmupBars + 2) * barTimeframe.DurationMs()), to, console);
            episodeSymbols = [symbols[0]];
            console.MarkupLine(Markup.Escape($"Observation {observationKind}: {observation.Description} Episodes and validation on {symbols[0]} only (frames exist for the primary symbol alone)."));
        }

        var trainer = new RlTrainer(options, environment, time, console);
        var runs = new FileRlTrainingRuns(new ModelsFolder(models), NullLogger<FileRlTrainingRuns>.Instance);
        var onnxPath = Path.Combine(outDir, options.ModelName + ".onnx");
        var result = trainer.Train(new RlTrainingData(bars, episodeSymbols, from, validationFrom, to, data), observation, onnxPath, runs, checkpoints, cl.Optional("resume"));
        console.MarkupLine($"Wrote [green]{Markup.Escape(onnxPath)}[/] ({new FileInfo(onnxPath).Length / 1024} KiB), card [green]{Markup.Escape(PolicyOnnxExporter.CardPath(onnxPath))}[/], run [green]{Markup.Escape(Path.Combine(runs.RunsDirectory, result.RunId + ".json"))}[/].");
        foreach (var v in result.Validations)
        {
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Validation {v.Symbol} {v.FromUtc:u}..{v.ToUtc:u}: return {v.TotalReturn:P2}, Sharpe {v.Sharpe:F2}, Sortino {v.Sortino:F2}, max drawdown {v.MaxDrawdown:P2}, {v.Trades} trades, fees {v.FeesPaid:F2}, {v.Steps} steps.")));
        }

        foreach (var b in result.BuyAndHold)
        {
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Baseline always-Buy {b.Symbol}: return {b.TotalReturn:P2}, Sharpe {b.Sharpe:F2}, max drawdown {b.MaxDrawdown:P2}, {b.Trades} trades.")));
        }

        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"Training took {result.Elapsed.TotalMinutes:F1} min.")));
        return 0;
    }

    /// <summary>Frames and CNN predictions of the primary symbol at the step closes of [framesFrom, to), from the kline folder as evaluate-strategy builds them.</summary>
    private static RlObservationInputs ModelObservation(string verb, string kind, string cnnPath, string data, IReadOnlyList<string> symbols, Timeframe step, DateTimeOffset framesFrom, DateTimeOffset to, IAnsiConsole console)
    {
        var features = PivotDatasetBuilder.DefaultFeatures(symbols);
        var schema = new FeatureSchema(features);
        ModelCard? cnnCard = null;
        if (kind.EndsWith("+cnn", StringComparison.Ordinal))
        {
            var cardPath = Path.ChangeExtension(cnnPath, ".json");
            if (!File.Exists(cnnPath) || !File.Exists(cardPath))
            {
                throw new UsageException($"{verb}: --cnn {cnnPath} or its card {cardPath} not found.");
            }

            cnnCard = ModelCard.Read(cardPath);
        }

        var spec = RlModelObservations.Spec(kind, schema, cnnCard, features.AnchorTimeframe);
        // 1m history from a day before the first frame warms the fine features up; 1h and 1d are read in full.
        var contents = KlineFolder.Load(data, features.Symbols, features.Timeframes, to);
        var fineFromMs = framesFrom.AddDays(-1).ToUnixTimeMilliseconds();
        var bars = contents.Series.Values.SelectMany(s => s).Where(b => b.Timeframe > Timeframe.OneMinute || b.OpenTimeMs >= fineFromMs);
        try
        {
            return RlModelObservations.Build(spec, bars, features, framesFrom, step, cnnPath, console: console);
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException($"{verb}: {ex.Message}");
        }
    }

    /// <summary>The klines of the symbols at one timeframe, merged in time order (then symbol order), opening in [from, to).</summary>
    internal static List<OHLCVBar> LoadBars(string folder, IReadOnlyList<string> symbols, Timeframe timeframe, DateTimeOffset from, DateTimeOffset to)
    {
        var contents = KlineFolder.Load(folder, symbols, [timeframe], to);
        var fromMs = from.ToUnixTimeMilliseconds();
        var missing = symbols.Where(s => !contents.Series.ContainsKey((s, timeframe))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"No {timeframe.ToCode()} klines for {string.Join(", ", missing)} under {folder}.");
        }

        return symbols
            .SelectMany((s, i) => contents.Series[(s, timeframe)].Where(b => b.OpenTimeMs >= fromMs).Select(b => (Bar: b, Order: i)))
            .OrderBy(x => x.Bar.OpenTimeMs).ThenBy(x => x.Order)
            .Select(x => x.Bar)
            .ToList();
    }

    private static Timeframe ParseTimeframe(string verb, string option, string text) =>
        TimeframeExtensions.TryParse(text, out var tf) && tf is Timeframe.OneMinute or Timeframe.OneHour
            ? tf
            : throw new UsageException($"{verb}: --{option} must be 1m or 1h (got '{text}').");

    private static List<int> ParseHidden(string verb, string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var widths = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) || w is < 1 or > 4096)
            {
                throw new UsageException($"{verb}: --hidden must be widths like 64,64 (got '{text}').");
            }

            widths.Add(w);
        }

        return widths.Count > 0 ? widths : throw new UsageException($"{verb}: --hidden needs at least one width.");
    }

    private static double Number(CommandLine cl, string verb, string name, double fallback)
    {
        var text = cl.Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"{verb}: --{name} must be a number (got '{text}').");
    }
}
