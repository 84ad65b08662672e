using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Trainer.Verbs;

/// <summary>
/// <c>train MODEL</c>: trains a model and writes ONNX + its card. MODEL: <c>cnn</c> (the TorchSharp pivot CNN),
/// <c>fasttree</c> (ML.NET pivot classifiers), <c>gate</c> (the orchestrator's gating network) or <c>rl</c> (DQN/PPO).
/// </summary>
internal sealed class TrainVerb : IVerb
{
    private static readonly string[] CnnOptions =
        ["data", "symbols", "from", "to", "epochs", "seed", "out", "name", "stride", "max-frames", "horizon", "pivot-level", "patience", "batch-size", "threads", "learning-rate", "weight-decay", "dropout", "channels", "hidden", "stop-on"];

    public string Name => "train";

    public string Summary => "Trains a pivot model on kline history (cnn: TorchSharp CNN; fasttree: ML.NET FastTree per timeframe); writes ONNX, its model card and the run record.";

    public string Usage =>
        "train cnn --data DIR --from DATE --to DATE [--symbols ETHUSDT,BTCUSDT] [--epochs 20] [--seed 42] [--out onnx/] [--name cnn-pivot] " +
        "[--stride 1] [--max-frames 0] [--horizon 5] [--pivot-level 2] [--patience 4] [--batch-size 64] [--threads 1] [--learning-rate 0.001] [--weight-decay 0] [--dropout 0.1] [--channels 64] [--hidden 48] [--stop-on f1|loss]\n" +
        "       " + FastTree.TrainFastTreeCommand.Usage + "\n" +
        "       " + Gate.TrainGateCommand.Usage + "\n" +
        "       " + Rl.TrainRlCommand.Usage;

    public IReadOnlyList<string> Details =>
    [
        "DIR: a folder of Binance kline files (SYMBOL-TF-*.csv[.gz], searched recursively), e.g. shared/data/binance/spot/klines.",
        "Frames are built by the host's DataProcessor with the host's default feature settings (so the schema hash matches the host);",
        "  --from is the first frame's time (history before it is warm-up only), bars opening at or after --to are not read.",
        "Labels per frame and timeframe (1s, 1m, 1h, 1d): the first level-L (--pivot-level) Williams pivot of the primary symbol within",
        "  --horizon bars of that timeframe after the frame's time: high, low or none; unknown (excluded) where the data cannot say.",
        "Split in time order: 70% train, 15% validation, 15% test. Early stopping after --patience epochs without a gain in validation pivot F1 (--stop-on loss: validation loss).",
        "--stride N keeps every Nth frame, --max-frames N stops after N frames (0: no limit). --threads: torch CPU threads.",
        "Writes OUT/NAME.onnx (opset 17, input 'frame' [batch,S,T,W,F]; outputs probs_1s..probs_1d [batch,3], confidence [batch,T], hidden [batch,H]),",
        "  OUT/NAME.json (model card: schema hash, shapes, data range and hash, validation/test metrics, trainer version),",
        "  OUT/runs/RUNID.json (epochs, feature histograms, metrics; rewritten after each epoch) and OUT/checkpoints/RUNID-best.bin.",
        "1s: there is no 1s history in the shared data; the 1s block is masked and its labels are unknown, which the card notes.",
        .. FastTree.TrainFastTreeCommand.Details,
        .. Gate.TrainGateCommand.Details,
        .. Rl.TrainRlCommand.Details,
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        if (args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException("train: name the model to train (cnn, fasttree, gate or rl).");
        }

        return args[0] switch
        {
            "cnn" => RunCnn(args.Skip(1).ToList(), console),
            FastTree.TrainFastTreeCommand.Name => new FastTree.TrainFastTreeCommand(TimeProvider.System).Run(args.Skip(1).ToList(), console),
            Gate.TrainGateCommand.Name => new Gate.TrainGateCommand(TimeProvider.System).Run(args.Skip(1).ToList(), console),
            Rl.TrainRlCommand.Name => new Rl.TrainRlCommand(TimeProvider.System).Run(args.Skip(1).ToList(), console),
            _ => throw new UsageException($"train: unknown model '{args[0]}' (expected cnn, fasttree, gate or rl)."),
        };
    }

    private static double Number(CommandLine cl, string name, double fallback)
    {
        var text = cl.Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"train cnn: --{name} must be a number (got '{text}').");
    }

    private static int RunCnn(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine("train cnn", args, CnnOptions);
        var data = cl.Required("data");
        var from = cl.Date("from") ?? throw new UsageException("train cnn: missing required option --from.");
        var to = cl.Date("to") ?? throw new UsageException("train cnn: missing required option --to.");
        if (to <= from)
        {
            throw new UsageException("train cnn: --to must be after --from.");
        }

        var symbols = (cl.Optional("symbols") ?? "ETHUSDT,BTCUSDT").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => KlineInput.ParseSymbol("train cnn", s)).Distinct().ToList();
        if (symbols.Count is < 1 or > 4)
        {
            throw new UsageException("train cnn: --symbols needs one to four symbols (primary first).");
        }

        var output = cl.Optional("out") ?? "onnx";
        var labels = new PivotLabelSettings(
            PivotLevel: cl.Int("pivot-level", PivotLabelSettings.Default.PivotLevel, 1, 5),
            HorizonBars: cl.Int("horizon", PivotLabelSettings.Default.HorizonBars, 1, 10_000));
        var options = new CnnTrainingOptions
        {
            ModelName = cl.Optional("name") ?? "cnn-pivot",
            Epochs = cl.Int("epochs", 20, 1, 10_000),
            Seed = cl.Int("seed", 42, 0, int.MaxValue),
            Patience = cl.Int("patience", 4, 1, 10_000),
            BatchSize = cl.Int("batch-size", 64, 1, 65_536),
            Threads = cl.Int("threads", 1, 1, 256),
            LearningRate = Number(cl, "learning-rate", CnnTrainingOptions.Defaults.LearningRate),
            WeightDecay = Number(cl, "weight-decay", CnnTrainingOptions.Defaults.WeightDecay),
            Dropout = Number(cl, "dropout", CnnTrainingOptions.Defaults.Dropout),
            ConvChannels = cl.Int("channels", CnnTrainingOptions.Defaults.ConvChannels, 1, 1024),
            Hidden = cl.Int("hidden", CnnTrainingOptions.Defaults.Hidden, 1, 1024),
            StopOn = (cl.Optional("stop-on") ?? "f1") switch
            {
                "f1" => EarlyStoppingMetric.ValidationPivotF1,
                "loss" => EarlyStoppingMetric.ValidationLoss,
                var other => throw new UsageException($"train cnn: --stop-on must be f1 or loss (got '{other}')."),
            },
            Trigger = "cli",
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException("train cnn: " + ex.Message);
        }

        if (!Directory.Exists(data))
        {
            throw new DirectoryNotFoundException($"Data folder not found: {data}");
        }

        var dataset = PivotDatasetBuilder.Build(new PivotDatasetRequest
        {
            DataDirectory = data,
            Symbols = symbols,
            From = from,
            To = to,
            Labels = labels,
            Stride = cl.Int("stride", 1, 1, 1_000_000),
            MaxFrames = cl.Int("max-frames", 0, 0, int.MaxValue),
        }, console);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Dataset: {dataset.Count} frames, schema {dataset.Schema.Hash[..16]}..., data hash {dataset.Sha256()[..16]}...")));
        if (dataset.Count < 10)
        {
            throw new InvalidDataException($"Only {dataset.Count} frames between {from:u} and {to:u}: too few to split into train, validation and test.");
        }

        var trainer = new CnnTrainer(options, TimeProvider.System, console);
        var (result, card, onnxPath) = trainer.TrainAndExport(dataset, output);
        using (result)
        {
            console.MarkupLine($"Wrote [green]{Markup.Escape(onnxPath)}[/] ({new FileInfo(onnxPath).Length / 1024} KiB), card [green]{Markup.Escape(CnnOnnxExporter.CardPath(onnxPath))}[/], run [green]{Markup.Escape(result.RunPath)}[/].");
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"Status {result.Status}, gate score {card.GateScore:F3}.")));
        }

        return 0;
    }
}
