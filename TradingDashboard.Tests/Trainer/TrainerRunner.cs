using System.Globalization;
using Spectre.Console;
using TradingDashboard.Trainer;

namespace TradingDashboard.Tests.Trainer;

/// <summary>Runs the trainer in-process with a plain, wide, colourless console and returns its exit code and output.</summary>
internal static class TrainerRunner
{
    public static (int Code, string Output) Run(params string[] args)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400;
        var code = TrainerApp.Run(args, console);
        return (code, writer.ToString());
    }
}
