using System.Globalization;
using System.Text;
using Spectre.Console;
using TradingDashboard.Core.Indicators;

namespace TradingDashboard.Trainer.Verbs;

/// <summary><c>indicators</c>: every indicator of the default set (or of --indicators) for each bar of a kline file, as CSV.</summary>
internal sealed class IndicatorsVerb : IVerb
{
    public string Name => "indicators";

    public string Summary => "Indicator values for every bar of a Binance kline CSV (TA-Lib definitions), written as CSV.";

    public string Usage => "indicators --input FILE --symbol S --timeframe TF --output OUT.csv [--indicators sma_20,rsi_14,...]";

    public IReadOnlyList<string> Details =>
    [
        "FILE: Binance kline CSV, plain or .gz, with or without header, 6 or 12 columns; TF: 1s, 1m, 1h or 1d.",
        "Columns: open_time (Unix ms),open,high,low,close,volume, then one per indicator output (default set:",
        "  " + string.Join(",", IndicatorSet.CreateDefault().Columns) + ").",
        "An empty cell means not yet valid (warm-up). Numbers use the round-trip format.",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Name, args, ["input", "symbol", "timeframe", "output", "indicators"]);
        var input = cl.Required("input");
        var symbol = KlineInput.ParseSymbol(Name, cl.Required("symbol"));
        var timeframe = KlineInput.ParseTimeframe(Name, cl.Required("timeframe"));
        var output = cl.Required("output");
        var specs = ParseSpecs(cl.Optional("indicators"));

        var bars = KlineInput.ReadFile(input, symbol, timeframe);
        var set = new IndicatorSet(specs);
        var row = new double[set.ColumnCount];
        using (var writer = KlineInput.CreateOutput(output))
        {
            writer.WriteLine("open_time,open,high,low,close,volume," + string.Join(",", set.Columns));
            var line = new StringBuilder(512);
            foreach (var bar in bars)
            {
                var price = PriceBar.From(bar);
                set.Update(price, row);
                line.Clear();
                line.Append(bar.OpenTimeMs.ToString(CultureInfo.InvariantCulture));
                Append(line, bar.Open);
                Append(line, bar.High);
                Append(line, bar.Low);
                Append(line, bar.Close);
                Append(line, bar.Volume);
                foreach (var value in row)
                {
                    Append(line, value);
                }

                writer.WriteLine(line);
            }
        }

        console.MarkupLine($"Wrote {bars.Count} rows x {set.ColumnCount} indicator columns to [green]{Markup.Escape(output)}[/].");
        return 0;
    }

    internal static void Append(StringBuilder line, double value)
    {
        line.Append(',');
        if (double.IsFinite(value))
        {
            line.Append(value.ToString("R", CultureInfo.InvariantCulture));
        }
    }

    private List<IndicatorSpec> ParseSpecs(string? list)
    {
        if (list is null)
        {
            return IndicatorSpec.Defaults.ToList();
        }

        var specs = new List<IndicatorSpec>();
        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IndicatorSpec.TryParse(name, out var spec, out var error))
            {
                throw new UsageException($"{Name}: {error}.");
            }

            specs.Add(spec);
        }

        return specs.Count > 0 ? specs : throw new UsageException($"{Name}: --indicators lists no indicator.");
    }
}
