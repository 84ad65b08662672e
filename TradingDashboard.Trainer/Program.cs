using Spectre.Console;

// Offline verbs grow here issue by issue (indicators, pivots, features, train, evaluate, backtest).
if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
{
    AnsiConsole.MarkupLine("[bold]TradingDashboard.Trainer[/]: offline tools for TradingDashboard.");
    AnsiConsole.MarkupLine("Usage: dotnet run --project TradingDashboard.Trainer -- <verb> [options]");
    return 0;
}

AnsiConsole.MarkupLine($"[red]Unknown verb '{Markup.Escape(args[0])}'.[/] Run with --help.");
return 2;
