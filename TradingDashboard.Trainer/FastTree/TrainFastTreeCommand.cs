using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Trainer.Verbs;

namespace TradingDashboard.Trainer.FastTree;

/// <summary>
/// <c>train fasttree</c>: builds the pivot dataset from a kline folder and trains one FastTree expert per timeframe
/// (default 1m and 1h), writing fasttree-TF.onnx, fasttree-TF.json and runs/RUNID.json to the output folder.
/// </summary>
internal sealed class TrainFastTreeCommand(TimeProvider timeProvider)
{
    public const string Name = "fasttree";

    public static string Summary => "FastTree pivot experts (ML.NET, one per timeframe) on frame-summary features, exported to ONNX with model cards.";

    public static string Usage =>
        "train fasttree --data DIR --from DATE --to DATE [--symbols ETHUSDT,BTCUSDT] [--timeframes 1m,1h] [--seed 1] [--out onnx] [--stride 1] [--max-frames 20000] [--trees 100] [--leaves 20]";

    public static IReadOnlyList<string> Details =>
    [
        "DIR is a folder of Binance kline files (e.g. shared/data/binance/spot/klines); history before --from is read only as warm-up context.",
        "Frames come from the host's DataProcessor with its default feature settings (so the schema hash matches the host); labels from confirmed level-2 pivots within 5 bars.",
        "Each timeframe trains on its own known labels (unknown labels skipped), split chronologically 70/15/15 with one label horizon dropped at each boundary.",
        "--stride N keeps every Nth frame, --max-frames bounds memory (a default frame is 44 KB; 0 = no limit). --trees is per class (three one-versus-all models).",
        "Writes OUT/fasttree-TF.onnx, OUT/fasttree-TF.json (model card; gate score = validation mean F1 of high and low) and OUT/runs/RUNID.json.",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        const string verb = "train fasttree";
        var cl = new CommandLine(verb, args, ["data", "symbols", "from", "to", "timeframes", "seed", "out", "stride", "max-frames", "trees", "leaves"]);
        var data = cl.Required("data");
        var from = cl.Date("from") ?? throw new UsageException($"{verb}: missing required option --from.");
        var to = cl.Date("to") ?? throw new UsageException($"{verb}: missing required option --to.");
        var symbols = (cl.Optional("symbols") ?? "ETHUSDT,BTCUSDT").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => KlineInput.ParseSymbol(verb, s)).Distinct().ToList();
        var timeframes = (cl.Optional("timeframes") ?? "1m,1h").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => KlineInput.ParseTimeframe(verb, t)).Distinct().ToList();
        var settings = new FastTreeSettings
        {
            Seed = cl.Int("seed", 1, 0, int.MaxValue),
            Trees = cl.Int("trees", 100, 1, 10_000),
            Leaves = cl.Int("leaves", 20, 2, 1_024),
        };
        var output = cl.Optional("out") ?? "onnx";
        var stride = cl.Int("stride", 1, 1, 1_000_000);
        var maxFrames = cl.Int("max-frames", 20_000, 0, int.MaxValue);
        if (to <= from)
        {
            throw new UsageException($"{verb}: --to must be after --from.");
        }

        if (symbols.Count is < 1 or > 4)
        {
            throw new UsageException($"{verb}: --symbols needs one to four symbols (primary first).");
        }

        if (!Directory.Exists(data))
        {
            throw new DirectoryNotFoundException($"Data folder not found: {data}");
        }

        var dataset = PivotDatasetBuilder.Build(
            new PivotDatasetRequest { DataDirectory = data, Symbols = symbols, From = from, To = to, Stride = stride, MaxFrames = maxFrames },
            console);
        console.MarkupLine($"Dataset: {dataset.Count.ToString(CultureInfo.InvariantCulture)} frames, schema {dataset.Schema.Hash[..16]}...");
        foreach (var note in dataset.Info.Notes)
        {
            console.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }

        if (dataset.Count == 0)
        {
            throw new InvalidDataException($"No feature frames could be built from {data} between {from:u} and {to:u} (too little history for the warm-up, or no data in the range).");
        }

        var trainer = new FastTreeTrainer(timeProvider);
        var table = new Table().AddColumn("model").AddColumn("train").AddColumn("validation").AddColumn("test")
            .AddColumn("val F1 high").AddColumn("val F1 low").AddColumn("gate (val pivot F1)").AddColumn("test pivot F1").AddColumn("ONNX vs ML.NET");
        foreach (var timeframe in timeframes)
        {
            var result = trainer.Train(
                new FastTreeTrainingRequest(dataset, timeframe, output, settings, DataSource: data, FromUtc: from, ToUtc: to, DatasetNotes: dataset.Info.Notes),
                console);
            var card = result.Card;
            string F1(string cls) => card.Validation?.Classes.FirstOrDefault(c => c.Class == cls)?.F1.ToString("0.000", CultureInfo.InvariantCulture) ?? "-";
            table.AddRow(
                Markup.Escape(card.Name),
                card.Data.TrainSamples.ToString(CultureInfo.InvariantCulture),
                card.Data.ValidationSamples.ToString(CultureInfo.InvariantCulture),
                card.Data.TestSamples.ToString(CultureInfo.InvariantCulture),
                F1("high"),
                F1("low"),
                card.GateScore.ToString("0.000", CultureInfo.InvariantCulture),
                card.Test?.PivotF1.ToString("0.000", CultureInfo.InvariantCulture) ?? "-",
                double.IsNaN(result.MaxOnnxDifference) ? "-" : result.MaxOnnxDifference.ToString("G2", CultureInfo.InvariantCulture));
            console.MarkupLine($"Wrote [green]{Markup.Escape(result.OnnxPath)}[/], {Markup.Escape(result.CardPath)} and {Markup.Escape(result.RunPath)}.");
        }

        console.Write(table);
        return 0;
    }
}
