using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Trainer.Verbs;

/// <summary><c>pivots</c>: Williams market structure pivots (levels 1..5) of a kline file, one CSV row per pivot in the order they were confirmed.</summary>
internal sealed class PivotsVerb : IVerb
{
    public string Name => "pivots";

    public string Summary => "Williams market structure pivots (levels 1-5) of a Binance kline CSV, written as CSV.";

    public string Usage => "pivots --input FILE --symbol S --timeframe TF [--strength N] [--level-strength N] --output OUT.csv";

    public IReadOnlyList<string> Details =>
    [
        $"--strength: bars on each side of a level-1 pivot (default {PivotSettings.Default.Strength}); --level-strength: pivots on each side for levels 2-5 (default {PivotSettings.Default.HigherLevelStrength}).",
        "Columns: level,type,open_time,price,confirmed_at (type high or low; times in Unix ms; confirmed_at is the close time of the confirming bar).",
        "Rows are in confirmation order; see docs/pivots.md for the rules (equal highs, no forced alternation).",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Name, args, ["input", "symbol", "timeframe", "output", "strength", "level-strength"]);
        var input = cl.Required("input");
        var symbol = KlineInput.ParseSymbol(Name, cl.Required("symbol"));
        var timeframe = KlineInput.ParseTimeframe(Name, cl.Required("timeframe"));
        var output = cl.Required("output");
        var settings = PivotSettings.Default with
        {
            Strength = cl.Int("strength", PivotSettings.Default.Strength, 1, 100),
            HigherLevelStrength = cl.Int("level-strength", PivotSettings.Default.HigherLevelStrength, 1, 100),
        };

        var bars = KlineInput.ReadFile(input, symbol, timeframe);
        var detector = new WilliamsPivotDetector(symbol, timeframe, settings);
        var pivots = new List<PivotPoint>();
        foreach (var bar in bars)
        {
            detector.Update(PriceBar.From(bar), pivots);
        }

        using (var writer = KlineInput.CreateOutput(output))
        {
            writer.WriteLine("level,type,open_time,price,confirmed_at");
            foreach (var p in pivots)
            {
                writer.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{p.Level},{p.TypeCode},{p.OpenTimeMs},{p.Price.ToString("R", CultureInfo.InvariantCulture)},{p.ConfirmedAtMs}"));
            }
        }

        var perLevel = string.Join(", ", Enumerable.Range(1, PivotSettings.Levels).Select(k => $"L{k}: {pivots.Count(p => p.Level == k)}"));
        console.MarkupLine($"Wrote {pivots.Count} pivots ({Markup.Escape(perLevel)}) from {bars.Count} bars to [green]{Markup.Escape(output)}[/].");
        return 0;
    }
}
