using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Orchestration;

namespace TradingDashboard.Trainer.Gate;

/// <summary>
/// <c>train gate</c>: trains the orchestrator's gate on recorded decision outcomes (JSON Lines, as written by
/// <c>evaluate-strategy --decisions-out</c>) and writes OUT/NAME.onnx with its card; prints the validation comparison
/// with the recent-accuracy gate.
/// </summary>
internal sealed class TrainGateCommand(TimeProvider timeProvider)
{
    public const string Name = "gate";

    private const string Verb = "train gate";

    public static string Usage =>
        "train gate --decisions FILE.jsonl [--experts rule,cnn,fasttree,rl] [--validation 0.2] [--seed 42] [--epochs 200] [--out onnx/gate] [--name gate] [--hidden 16] [--learning-rate 0.01] [--patience 30]";

    public static IReadOnlyList<string> Details =>
    [
        "gate: FILE.jsonl holds one DecisionOutcome per line (evaluate-strategy --decisions-out); only resolved decisions (forward return known) are used, oldest first.",
        "  --experts: the experts the gate weighs, in output order (default: the distinct experts of the decisions, first seen first).",
        "  Split in time order: the newest --validation share validates, a gap of the forward-return horizon (x symbols) decisions is dropped before it.",
        "  Objective: mean(net x r / std r) + 0.01 x entropy of the weights, net = sum_i w_i c_i d_i; early stopping on the validation CombinedReturn.",
        "  Writes OUT/NAME.onnx (opset 17, input 'features' [N,F], output 'weights' [N,E] softmax before masking) and OUT/NAME.json (gate card); default OUT: the repository's onnx/gate.",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Verb, args, ["decisions", "experts", "validation", "seed", "epochs", "out", "name", "hidden", "learning-rate", "patience"]);
        var path = cl.Required("decisions");
        var experts = cl.Optional("experts")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (experts is not null && (experts.Count == 0 || experts.Distinct(StringComparer.Ordinal).Count() != experts.Count))
        {
            throw new UsageException($"{Verb}: --experts needs a comma-separated list of distinct expert names.");
        }

        var options = new GateTrainingOptions
        {
            ModelName = cl.Optional("name") ?? "gate",
            Epochs = cl.Int("epochs", GateTrainingOptions.Defaults.Epochs, 1, 100_000),
            Seed = cl.Int("seed", GateTrainingOptions.Defaults.Seed, 0, int.MaxValue),
            Hidden = cl.Int("hidden", GateTrainingOptions.Defaults.Hidden, 1, 1024),
            Patience = cl.Int("patience", GateTrainingOptions.Defaults.Patience, 1, 100_000),
            ValidationFraction = Number(cl, "validation", GateTrainingOptions.Defaults.ValidationFraction),
            LearningRate = Number(cl, "learning-rate", GateTrainingOptions.Defaults.LearningRate),
            Trigger = "cli",
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"{Verb}: {ex.Message}");
        }

        var output = cl.Optional("out") ?? DefaultOutputDirectory();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Decisions file not found: {path}", path);
        }

        var decisions = DecisionOutcomeFile.Read(path);
        var resolved = decisions.Count(d => d.ForwardReturn is { } r && double.IsFinite(r));
        var found = GateDataset.DistinctExperts(decisions);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Decisions: {decisions.Count} read from {path}, {resolved} resolved; experts in the file: {(found.Count == 0 ? "none" : string.Join(',', found))}.")));
        foreach (var missing in (experts ?? []).Where(e => !found.Contains(e, StringComparer.Ordinal)))
        {
            console.MarkupLine($"[yellow]note:[/] expert '{Markup.Escape(missing)}' never appears in the decisions: the gate will always see it absent.");
        }

        var trainer = new GateTrainer(options, timeProvider, console);
        var (result, card, onnxPath) = trainer.TrainAndExport(decisions, experts, output);
        using (result)
        {
            console.MarkupLine($"Wrote [green]{Markup.Escape(onnxPath)}[/] and card [green]{Markup.Escape(GateOnnxExporter.CardPath(onnxPath))}[/] (experts {Markup.Escape(string.Join(',', card.Experts))}).");
            var v = result.Validation;
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Validation: {v.Decisions} decisions, trained CombinedReturn {v.CombinedReturn:E4} vs recent-accuracy {v.BaselineReturn:E4}, hit rate {v.HitRate:P1}.")));
        }

        return 0;
    }

    /// <summary>The repository's onnx/gate (found from the working folder or the program's folder), else onnx/gate under the working folder.</summary>
    public static string DefaultOutputDirectory() =>
        Path.Combine(RepositoryRoot.Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory(), "onnx", "gate");

    private static double Number(CommandLine cl, string name, double fallback)
    {
        var text = cl.Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"{Verb}: --{name} must be a number (got '{text}').");
    }
}
