using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Replays one month of real Binance 1m candles for BTCUSDT and ETHUSDT into a fresh SQLite file: read the 2024-10 kline
/// files, take 31 whole days (2024-10-02 00:00 to 2024-11-02 00:00 UTC; the files start at 2024-10-01 03:00, so whole
/// days begin on the 2nd), roll up to 1h and 1d through <see cref="CandleAggregator"/>, upsert everything (one
/// transaction per symbol: 44,640 + 744 + 31 = 45,415 rows each, 90,830 in all). Target: under 5 s for both symbols.
/// </summary>
[MemoryDiagnoser]
public class ReplayStorageBenchmarks
{
    private static readonly long MonthStartMs = new DateTimeOffset(2024, 10, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long MonthEndMs = MonthStartMs + (31 * 86_400_000L);
    private static readonly string[] Symbols = ["BTCUSDT", "ETHUSDT"];

    private readonly Dictionary<string, string> _files = [];
    private readonly Dictionary<string, List<OHLCVBar>> _rolledUp = [];

    [GlobalSetup]
    public void Setup()
    {
        var root = BenchmarkData.RequireDataRoot();
        foreach (var symbol in Symbols)
        {
            _files[symbol] = Path.Combine(root, "binance", "spot", "klines", "1m", $"{symbol}-1m-2024-10-01_2024-11-04.ohlcv.csv.gz");
            _rolledUp[symbol] = ReadAndRollUp(symbol);
        }
    }

    /// <summary>The whole replay: read + roll up + upsert into a new database file.</summary>
    [Benchmark]
    public int ReplayMonthIntoSqlite() => WithFreshStore(store =>
    {
        var rows = 0;
        foreach (var symbol in Symbols)
        {
            rows += store.UpsertAsync(ReadAndRollUp(symbol)).GetAwaiter().GetResult();
        }

        return rows;
    });

    /// <summary>Only the storage part: upsert the already rolled-up month into a new database file.</summary>
    [Benchmark]
    public int UpsertMonthIntoSqlite() => WithFreshStore(store =>
        Symbols.Sum(symbol => store.UpsertAsync(_rolledUp[symbol]).GetAwaiter().GetResult()));

    private List<OHLCVBar> ReadAndRollUp(string symbol)
    {
        var aggregator = new CandleAggregator("Replay", symbol, [Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay]);
        var bars = new List<OHLCVBar>(46_000);
        foreach (var bar in KlineCsvReader.Read(_files[symbol], "Replay", symbol, Timeframe.OneMinute))
        {
            if (bar.OpenTimeMs < MonthStartMs)
            {
                continue;
            }

            if (bar.OpenTimeMs >= MonthEndMs)
            {
                break;
            }

            aggregator.AddClosedKline(bar, bars);
        }

        return bars;
    }

    private static int WithFreshStore(Func<SqliteCandleStore, int> run)
    {
        var path = Path.Combine(Path.GetTempPath(), $"td-bench-{Guid.NewGuid():N}.db");
        try
        {
            var database = new SqliteDatabase(new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString());
            return run(new SqliteCandleStore(database));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
    }
}
