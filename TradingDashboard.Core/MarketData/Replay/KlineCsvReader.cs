using System.Globalization;
using System.IO.Compression;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData.Replay;

/// <summary>
/// Reads Binance kline dump files (and MEXC kline exports of the same shape): plain or .gz, with or without a
/// header row, 6 to 12 columns (open_time, open, high, low, close, volume[, close_time, quote_volume, trades,
/// taker_buy_base, taker_buy_quote, ignore]), open time in milliseconds or microseconds (Binance dumps from 2025 on).
/// </summary>
public static class KlineCsvReader
{
    /// <summary>Timestamps above this are microseconds (ms values stay below it until the year 5138).</summary>
    private const long MicrosecondThreshold = 100_000_000_000_000L;

    /// <summary>
    /// Reads every valid row as a closed candle, in file order. A malformed or inconsistent row is reported to
    /// <paramref name="onRejected"/> with its 1-based line number and reason, and skipped; without a callback it
    /// throws a <see cref="FormatException"/> naming the file and line.
    /// </summary>
    public static IEnumerable<OHLCVBar> Read(string path, string source, string symbol, Timeframe timeframe, Action<int, string>? onRejected = null)
    {
        using var reader = OpenText(path);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (lineNumber == 1 && IsHeader(line))
            {
                continue;
            }

            if (!TryParseRow(line, source, symbol, timeframe, out var bar, out var reason))
            {
                if (onRejected is null)
                {
                    throw new FormatException($"{path}: line {lineNumber}: {reason}");
                }

                onRejected(lineNumber, reason);
                continue;
            }

            yield return bar;
        }
    }

    /// <summary>Opens a text file, decompressing it when its name ends in .gz.</summary>
    public static StreamReader OpenText(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: {path}", path);
        }

        Stream stream = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }

        return new StreamReader(stream);
    }

    /// <summary>A first line whose first field is not a number is a header.</summary>
    public static bool IsHeader(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var comma = line.IndexOf(',', StringComparison.Ordinal);
        var first = comma < 0 ? line : line[..comma];
        return !long.TryParse(first.Trim().Trim('"'), NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>Converts a dump timestamp (ms or µs) to Unix milliseconds.</summary>
    public static long ToMilliseconds(long timestamp) => timestamp >= MicrosecondThreshold ? timestamp / 1000 : timestamp;

    /// <summary>Parses one data row (not a header). On failure <paramref name="reason"/> says what is wrong.</summary>
    public static bool TryParseRow(string line, string source, string symbol, Timeframe timeframe, out OHLCVBar bar, out string reason)
    {
        ArgumentNullException.ThrowIfNull(line);
        bar = null!;
        var text = line.AsSpan();

        // Split without allocating: a replay reads hundreds of thousands of rows.
        Span<Range> fields = stackalloc Range[13];
        var count = text.Split(fields, ',');
        if (count < 6)
        {
            reason = $"expected at least 6 columns, found {count}";
            return false;
        }

        if (!long.TryParse(text[fields[0]], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rawOpen))
        {
            reason = $"open_time '{text[fields[0]]}' is not an integer";
            return false;
        }

        var openMs = ToMilliseconds(rawOpen);
        if (openMs % timeframe.DurationMs() != 0)
        {
            reason = $"open_time {openMs} is not on the {timeframe.ToCode()} grid";
            return false;
        }

        Span<double> v = stackalloc double[5];
        for (var k = 0; k < 5; k++)
        {
            if (!double.TryParse(text[fields[k + 1]], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
            {
                reason = $"column {k + 2} '{text[fields[k + 1]]}' is not a finite number";
                return false;
            }
        }

        double open = v[0], high = v[1], low = v[2], close = v[3], volume = v[4];
        if (open <= 0 || high <= 0 || low <= 0 || close <= 0)
        {
            reason = "non-positive price";
            return false;
        }

        if (high < low)
        {
            reason = $"high {high} is below low {low}";
            return false;
        }

        if (open > high || open < low || close > high || close < low)
        {
            reason = "open or close outside the high-low range";
            return false;
        }

        if (volume < 0)
        {
            reason = "negative volume";
            return false;
        }

        // Optional columns (quote volume, trade count) stay 0 when empty or unreadable: the candle itself is valid.
        double quoteVolume = 0;
        long trades = 0;
        if (count > 7 && !text[fields[7]].IsEmpty)
        {
            _ = double.TryParse(text[fields[7]], NumberStyles.Float, CultureInfo.InvariantCulture, out quoteVolume);
        }

        if (count > 8 && !text[fields[8]].IsEmpty)
        {
            _ = long.TryParse(text[fields[8]], NumberStyles.Integer, CultureInfo.InvariantCulture, out trades);
        }

        bar = new OHLCVBar(source, symbol, timeframe, openMs, open, high, low, close, volume, IsClosed: true)
        {
            QuoteVolume = quoteVolume,
            TradeCount = trades,
            ExchangeTimeMs = openMs + timeframe.DurationMs() - 1,
            ReceivedTimeMs = openMs + timeframe.DurationMs() - 1,
        };
        reason = string.Empty;
        return true;
    }
}
