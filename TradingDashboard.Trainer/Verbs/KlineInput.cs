using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Trainer.Verbs;

/// <summary>Reading one kline file for a verb, with the checks every verb needs.</summary>
internal static class KlineInput
{
    public static Timeframe ParseTimeframe(string verb, string code) =>
        TimeframeExtensions.TryParse(code, out var tf)
            ? tf
            : throw new UsageException($"{verb}: unknown timeframe '{code}' (expected 1s, 1m, 1h or 1d).");

    public static string ParseSymbol(string verb, string symbol)
    {
        var s = symbol.Trim().ToUpperInvariant();
        return s.Length > 0 && s.All(char.IsAsciiLetterOrDigit) ? s : throw new UsageException($"{verb}: invalid symbol '{symbol}'.");
    }

    /// <summary>
    /// All rows of the file, which must be in strictly increasing open time. A malformed row throws a
    /// <see cref="FormatException"/> naming the file and line (from <see cref="KlineCsvReader"/>).
    /// </summary>
    public static List<OHLCVBar> ReadFile(string path, string symbol, Timeframe timeframe)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file not found: {path}", path);
        }

        var bars = new List<OHLCVBar>();
        foreach (var bar in KlineCsvReader.Read(path, "Replay", symbol, timeframe))
        {
            if (bars.Count > 0 && bar.OpenTimeMs <= bars[^1].OpenTimeMs)
            {
                throw new FormatException(
                    $"{path}: row {bars.Count + 1}: open_time {bar.OpenTimeMs} is not after the previous row's {bars[^1].OpenTimeMs} (rows must be in time order, without duplicates).");
            }

            bars.Add(bar);
        }

        if (bars.Count == 0)
        {
            throw new InvalidDataException($"{path}: no kline rows.");
        }

        return bars;
    }

    public static StreamWriter CreateOutput(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
    }
}
