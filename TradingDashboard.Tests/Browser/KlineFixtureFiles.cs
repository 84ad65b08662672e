using System.Globalization;
using System.Text;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// Writes small Binance-format 1m kline dumps (<c>ETHUSDT-1m-2024-01-01.csv</c> layout: open_time in ms, OHLCV, close_time,
/// quote volume, trade count, taker volumes, ignore) into a temp folder for the Replay source. The candles end at the
/// last minute closed before <c>now</c>, because the DataProvider backfills history relative to its clock and the
/// chart shows what is in the cache. Prices are a seeded random walk: the same on every run for the same start.
/// </summary>
public sealed class KlineFixtureFiles : IDisposable
{
    public const long MinuteMs = 60_000;

    private KlineFixtureFiles(string directory, long firstOpenMs, long lastOpenMs, IReadOnlyDictionary<string, (decimal Open, decimal Close)> last)
    {
        Directory = directory;
        FirstOpenMs = firstOpenMs;
        LastOpenMs = lastOpenMs;
        LastKline = last;
    }

    public string Directory { get; }

    /// <summary>Open time of the first kline of every symbol (ms since the epoch).</summary>
    public long FirstOpenMs { get; }

    /// <summary>Open time of the last kline of every symbol.</summary>
    public long LastOpenMs { get; }

    /// <summary>Open and close of each symbol's last kline, as written.</summary>
    public IReadOnlyDictionary<string, (decimal Open, decimal Close)> LastKline { get; }

    /// <summary>Writes <paramref name="minutes"/> 1m klines per symbol ending at the last minute closed before <paramref name="now"/>.</summary>
    public static KlineFixtureFiles Write(IEnumerable<(string Symbol, decimal StartPrice)> symbols, int minutes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        var directory = Path.Combine(Path.GetTempPath(), "td-e2e-replay-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var nowMs = now.ToUnixTimeMilliseconds();
        var lastOpen = (nowMs / MinuteMs * MinuteMs) - MinuteMs;
        var firstOpen = lastOpen - ((minutes - 1) * MinuteMs);
        var last = new Dictionary<string, (decimal Open, decimal Close)>(StringComparer.Ordinal);
        foreach (var (symbol, startPrice) in symbols)
        {
            var day = DateTimeOffset.FromUnixTimeMilliseconds(firstOpen).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var path = Path.Combine(directory, $"{symbol}-1m-{day}.csv");
            last[symbol] = WriteSymbol(path, startPrice, firstOpen, minutes, seed: symbol.Length * 7919 + (int)startPrice);
        }

        return new KlineFixtureFiles(directory, firstOpen, lastOpen, last);
    }

    private static (decimal Open, decimal Close) WriteSymbol(string path, decimal startPrice, long firstOpen, int minutes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(minutes * 120);
        var close = startPrice;
        var open = startPrice;
        for (var i = 0; i < minutes; i++)
        {
            open = close;
            var move = (decimal)((random.NextDouble() - 0.5) * 0.004);
            close = Math.Round(open * (1 + move), 2);
            var high = Math.Round(Math.Max(open, close) * (1 + (decimal)(random.NextDouble() * 0.001)), 2);
            var low = Math.Round(Math.Min(open, close) * (1 - (decimal)(random.NextDouble() * 0.001)), 2);
            var volume = Math.Round(10 + (decimal)(random.NextDouble() * 90), 4);
            var openTime = firstOpen + (i * MinuteMs);
            var quoteVolume = Math.Round(volume * close, 4);
            var trades = 50 + random.Next(500);
            text.Append(CultureInfo.InvariantCulture,
                $"{openTime},{open:0.00},{high:0.00},{low:0.00},{close:0.00},{volume:0.0000},{openTime + MinuteMs - 1},{quoteVolume:0.0000},{trades},{volume / 2:0.0000},{quoteVolume / 2:0.0000},0\n");
        }

        File.WriteAllText(path, text.ToString());
        return (open, close);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is harmless.
        }
    }
}
