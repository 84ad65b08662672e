using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Benchmarks;

/// <summary>The inputs several benchmarks share: the real market data folder, the real ETH+BTC 1m window, and seeded random walks.</summary>
internal static class BenchmarkData
{
    /// <summary>First minute of the generated walks: 2024-01-01 00:00 UTC.</summary>
    public static readonly long Start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public const long MinuteMs = 60_000;

    /// <summary>TRADING_DATA_DIR, else the first shared/data folder above the program's or the current directory; null when absent.</summary>
    public static string? FindDataRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TRADING_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return fromEnv;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data");
                if (Directory.Exists(Path.Combine(candidate, "binance")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static string RequireDataRoot() =>
        FindDataRoot() ?? throw new DirectoryNotFoundException("Real market data not found: set TRADING_DATA_DIR or run beside shared/data.");

    /// <summary>Real Binance ETHUSDT and BTCUSDT 1m bars, 2024-10-01 to 2024-11-04, interleaved in time order (ETH first at equal times).</summary>
    public static List<OHLCVBar> RealEthBtc1m()
    {
        var directory = Path.Combine(RequireDataRoot(), "binance", "spot", "klines", "1m");
        var eth = KlineCsvReader.Read(Path.Combine(directory, "ETHUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz"), "Binance", "ETHUSDT", Timeframe.OneMinute);
        var btc = KlineCsvReader.Read(Path.Combine(directory, "BTCUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz"), "Binance", "BTCUSDT", Timeframe.OneMinute);
        return eth.Concat(btc).OrderBy(b => b.OpenTimeMs).ThenBy(b => b.Symbol, StringComparer.Ordinal).ToList();
    }

    /// <summary>A seeded (42) random walk of 1m bars from <see cref="Start"/>, the symbols interleaved in time order in the given order.</summary>
    public static List<OHLCVBar> RandomWalk(int minutes, params (string Symbol, double Price)[] symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var random = new Random(42);
        var prices = symbols.Select(s => s.Price).ToArray();
        var bars = new List<OHLCVBar>(minutes * symbols.Length);
        for (var i = 0; i < minutes; i++)
        {
            var t = Start + (i * MinuteMs);
            for (var s = 0; s < symbols.Length; s++)
            {
                var open = prices[s];
                var close = Math.Round(open * (1 + ((random.NextDouble() - 0.5) * 0.004)), 2);
                var high = Math.Round(Math.Max(open, close) * (1 + (random.NextDouble() * 0.001)), 2);
                var low = Math.Round(Math.Min(open, close) * (1 - (random.NextDouble() * 0.001)), 2);
                prices[s] = close;
                bars.Add(new OHLCVBar("synthetic", symbols[s].Symbol, Timeframe.OneMinute, t, open, high, low, close, 20 + (random.NextDouble() * 200), true));
            }
        }

        return bars;
    }
}
