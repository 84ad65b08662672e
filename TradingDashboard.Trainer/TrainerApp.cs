using Spectre.Console;
using TradingDashboard.Trainer.Verbs;

namespace TradingDashboard.Trainer;

/// <summary>The trainer's verbs. <see cref="Run"/> is what Program calls and what tests call in-process.</summary>
public static class TrainerApp
{
    internal static readonly IReadOnlyList<IVerb> Verbs = [new IndicatorsVerb(), new PivotsVerb(), new FeaturesVerb(), new BacktestVerb(), new TrainVerb(), new Evaluation.EvaluateVerb(), new StrategyEvaluation.EvaluateStrategyVerb()];

    /// <summary>Runs one command line. Exit codes: 0 success, 1 failure (bad input file, I/O), 2 bad command line.</summary>
    public static int Run(string[] args, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            WriteHelp(console);
            return args.Length == 0 ? 2 : 0;
        }

        var verb = Verbs.FirstOrDefault(v => v.Name == args[0]);
        if (verb is null)
        {
            console.MarkupLine($"[red]error:[/] unknown verb '{Markup.Escape(args[0])}'. Run with --help to list the verbs.");
            return 2;
        }

        var rest = args[1..];
        if (rest.Any(a => a is "--help" or "-h"))
        {
            WriteVerbHelp(console, verb);
            return 0;
        }

        try
        {
            return verb.Run(rest, console);
        }
        catch (UsageException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            console.MarkupLine($"Usage: {Markup.Escape(verb.Usage)}");
            return 2;
        }
        catch (FileNotFoundException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return 1;
        }
        catch (DirectoryNotFoundException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return 1;
        }
        catch (FormatException ex)
        {
            console.MarkupLine($"[red]error:[/] malformed input: {Markup.Escape(ex.Message)}");
            return 1;
        }
        catch (InvalidDataException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return 1;
        }
        catch (IOException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return 1;
        }
    }

    private static void WriteHelp(IAnsiConsole console)
    {
        console.MarkupLine("[bold]TradingDashboard.Trainer[/]: offline tools for TradingDashboard.");
        console.MarkupLine(Markup.Escape("Usage: dotnet run --project TradingDashboard.Trainer -- <verb> [options]   (<verb> --help for its options)"));
        console.WriteLine();
        var table = new Table().AddColumn("verb").AddColumn("what it does");
        foreach (var verb in Verbs)
        {
            table.AddRow(Markup.Escape(verb.Name), Markup.Escape(verb.Summary));
        }

        console.Write(table);
    }

    private static void WriteVerbHelp(IAnsiConsole console, IVerb verb)
    {
        console.MarkupLine($"[bold]{Markup.Escape(verb.Name)}[/]: {Markup.Escape(verb.Summary)}");
        console.MarkupLine($"Usage: {Markup.Escape(verb.Usage)}");
        foreach (var line in verb.Details)
        {
            console.MarkupLine("  " + Markup.Escape(line));
        }
    }
}

/// <summary>One offline verb.</summary>
internal interface IVerb
{
    string Name { get; }

    string Summary { get; }

    string Usage { get; }

    IReadOnlyList<string> Details { get; }

    int Run(IReadOnlyList<string> args, IAnsiConsole console);
}
