using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Trainer.Verbs;

namespace TradingDashboard.Trainer.Evaluation;

/// <summary>
/// <c>evaluate</c>: precision, recall and F1 per class and timeframe of a model on a held-out period, next to the FastTree
/// models found beside it and the always-none and random baselines.
/// </summary>
internal sealed partial class EvaluateVerb : IVerb
{
    private readonly Func<FeatureSchema, IPivotModelFactory> _factory;

    public EvaluateVerb()
        : this(schema => new OnnxPivotModelFactory(
            new OnnxSessionFactory(Options.Create(new ModelsOptions()), NullLogger<OnnxSessionFactory>.Instance),
            RunningFeatureSchema.Fixed(schema)))
    {
    }

    /// <param name="factory">Makes the model loader for the dataset's schema (default: the host's ONNX Runtime factory, CUDA when present, else CPU).</param>
    public EvaluateVerb(Func<FeatureSchema, IPivotModelFactory> factory) => _factory = factory;

    public string Name => "evaluate";

    public string Summary => "Precision, recall and F1 per class and timeframe of a model on a held-out period, beside FastTree, always-none and random.";

    public string Usage =>
        "evaluate --model onnx/NAME.onnx --data DIR --from DATE --to DATE [--json OUT.json] [--symbols ETHUSDT,BTCUSDT] [--seed 1] [--stride 1] [--max-frames 20000]";

    public IReadOnlyList<string> Details =>
    [
        "The model's card (NAME.json beside it) gives the feature schema and the label settings; the data must give the same schema hash.",
        "DIR is a folder of Binance kline files; history before --from is only warm-up context, bars from --to on are not read.",
        "Also scored: every fasttree-TF.onnx with its card in the model's folder, 'always-none', and 'random' (classes drawn with the period's label rates, --seed).",
        "Only timeframes with known labels in the period are reported. Precision of a class never predicted is 0 (recall of a class that never occurs too).",
        "--json writes the rows [{model, timeframe, class, precision, recall, f1, support}]. --stride/--max-frames bound memory (a default frame is 44 KB).",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Name, args, ["model", "data", "from", "to", "json", "symbols", "seed", "stride", "max-frames"]);
        var modelPath = cl.Required("model");
        var data = cl.Required("data");
        var from = cl.Date("from") ?? throw new UsageException($"{Name}: missing required option --from.");
        var to = cl.Date("to") ?? throw new UsageException($"{Name}: missing required option --to.");
        var json = cl.Optional("json");
        var seed = cl.Int("seed", 1, 0, int.MaxValue);
        var stride = cl.Int("stride", 1, 1, 1_000_000);
        var maxFrames = cl.Int("max-frames", 20_000, 0, int.MaxValue);
        if (to <= from)
        {
            throw new UsageException($"{Name}: --to must be after --from.");
        }

        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"Model file not found: {modelPath}", modelPath);
        }

        if (!Directory.Exists(data))
        {
            throw new DirectoryNotFoundException($"Data folder not found: {data}");
        }

        var cardPath = Path.ChangeExtension(modelPath, ".json");
        if (!File.Exists(cardPath))
        {
            throw new FileNotFoundException($"Model card not found beside the model: {cardPath}", cardPath);
        }

        var card = ModelCard.Read(cardPath);
        var symbols = cl.Optional("symbols") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => KlineInput.ParseSymbol(Name, s)).Distinct().ToList()
            : card.Data.Symbols.ToList();

        var dataset = PivotDatasetBuilder.Build(
            new PivotDatasetRequest { DataDirectory = data, Symbols = symbols, From = from, To = to, Labels = card.Labels, Stride = stride, MaxFrames = maxFrames },
            console);
        if (dataset.Count == 0)
        {
            throw new InvalidDataException($"No feature frames could be built from {data} between {from:u} and {to:u}.");
        }

        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Evaluating on {dataset.Count} frames (stride {stride}), anchors {DateTimeOffset.FromUnixTimeMilliseconds(dataset.AnchorOpenTimeMs(0)):u} to {DateTimeOffset.FromUnixTimeMilliseconds(dataset.AnchorOpenTimeMs(dataset.Count - 1)):u}."));
        if (maxFrames > 0 && dataset.Count >= maxFrames)
        {
            console.MarkupLine($"[yellow]note:[/] stopped at --max-frames {maxFrames}: the evaluated span ends before --to (raise --stride or --max-frames to cover the period).");
        }

        foreach (var note in dataset.Info.Notes)
        {
            console.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }

        var factory = _factory(dataset.Schema);
        var loaded = new List<EvaluatedModel>();
        try
        {
            loaded.Add(new EvaluatedModel(card.Kind, factory.Load(modelPath, card)));
            foreach (var (path, fastTreeCard) in FastTreeModelsBeside(modelPath, console))
            {
                if (loaded.Any(m => m.Model == ModelKinds.FastTree && m.Pivot.Card.Timeframes.Intersect(fastTreeCard.Timeframes).Any()))
                {
                    continue;
                }

                if (fastTreeCard.Labels != card.Labels)
                {
                    console.MarkupLine($"[yellow]note:[/] {Markup.Escape(fastTreeCard.Name)} was trained on other label settings ({Markup.Escape(fastTreeCard.Labels.ToString())}); it is scored on {Markup.Escape(card.Labels.ToString())}.");
                }

                try
                {
                    loaded.Add(new EvaluatedModel(ModelKinds.FastTree, factory.Load(path, fastTreeCard)));
                }
                catch (InvalidDataException ex)
                {
                    console.MarkupLine($"[yellow]skipped:[/] {Markup.Escape(ex.Message)}");
                }
            }

            var rows = PivotEvaluator.Evaluate(dataset, loaded, seed);
            PivotEvaluator.WriteTable(rows, console);
            if (json is not null)
            {
                using (var writer = KlineInput.CreateOutput(json))
                {
                    writer.Write(PivotEvaluator.ToJson(rows));
                }

                console.MarkupLine($"Wrote [green]{Markup.Escape(json)}[/].");
            }

            return 0;
        }
        finally
        {
            foreach (var model in loaded)
            {
                model.Pivot.Dispose();
            }
        }
    }

    [GeneratedRegex(@"^fasttree-(?<tf>[0-9]+[smhd])\.json$")]
    private static partial Regex FastTreeCardName();

    /// <summary>fasttree-TF.json cards (with their .onnx) in the model's folder, the model itself excluded, in timeframe order.</summary>
    private static IEnumerable<(string OnnxPath, ModelCard Card)> FastTreeModelsBeside(string modelPath, IAnsiConsole console)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var self = Path.GetFullPath(modelPath);
        var found = new List<(Timeframe, string, ModelCard)>();
        foreach (var cardPath in Directory.EnumerateFiles(folder, "fasttree-*.json"))
        {
            var match = FastTreeCardName().Match(Path.GetFileName(cardPath));
            if (!match.Success || !TimeframeExtensions.TryParse(match.Groups["tf"].Value, out var timeframe))
            {
                continue;
            }

            var onnxPath = Path.ChangeExtension(cardPath, ".onnx");
            if (Path.GetFullPath(onnxPath) == self)
            {
                continue;
            }

            if (!File.Exists(onnxPath))
            {
                console.MarkupLine($"[yellow]skipped:[/] {Markup.Escape(cardPath)} has no .onnx beside it.");
                continue;
            }

            try
            {
                var card = ModelCard.Read(cardPath);
                if (card.Kind == ModelKinds.FastTree)
                {
                    found.Add((timeframe, onnxPath, card));
                }
            }
            catch (InvalidDataException ex)
            {
                console.MarkupLine($"[yellow]skipped:[/] {Markup.Escape(ex.Message)}");
            }
        }

        return found.OrderBy(f => f.Item1).Select(f => (f.Item2, f.Item3));
    }
}
