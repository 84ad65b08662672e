using BenchmarkDotNet.Attributes;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Trade-to-candle aggregation into 1s, 1m, 1h and 1d at once, over a pre-built array of trades; results read per
/// trade (OperationsPerInvoke). Target: at least 20 million trades per second on one core.
/// <list type="bullet">
/// <item><c>recorded</c>: the real BTCUSDT trades of the shared/data WebSocket recordings (19,904 trades, 2024-08-08/09),
/// repeated back to back with times shifted by the recording's span, so arrival bursts and price moves are real.</item>
/// <item><c>generated</c>: Poisson arrivals at 30 trades/s (the recordings' average) with a 0.01-tick random walk; no
/// data files needed.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class AggregationBenchmarks
{
    public const int TradeCount = 4_000_000;

    private double[] _prices = [];
    private double[] _quantities = [];
    private long[] _times = [];
    private MarketTick[] _ticks = [];

    [Params("recorded", "generated")]
    public string Trades { get; set; } = "recorded";

    [GlobalSetup(Target = nameof(AddTrade_FourTimeframes))]
    public void SetupArrays() => Build();

    [GlobalSetup(Target = nameof(AddTrade_MarketTick_FourTimeframes))]
    public void SetupTicks()
    {
        Build();
        _ticks = new MarketTick[TradeCount];
        for (var i = 0; i < TradeCount; i++)
        {
            _ticks[i] = new MarketTick("Bench", "BTCUSDT", i, _prices[i], _quantities[i], (i & 1) == 0, _times[i], _times[i]);
        }
    }

    /// <summary>The allocation-free entry point, as the data provider calls it per trade.</summary>
    [Benchmark(OperationsPerInvoke = TradeCount)]
    public long AddTrade_FourTimeframes()
    {
        var aggregator = new CandleAggregator("Bench", "BTCUSDT", TimeframeExtensions.All);
        var closed = new List<OHLCVBar>(4_096);
        long closedCount = 0;
        var prices = _prices;
        var quantities = _quantities;
        var times = _times;
        for (var i = 0; i < prices.Length; i++)
        {
            aggregator.AddTrade(prices[i], quantities[i], times[i], times[i], closed);
            if (closed.Count >= 4_000)
            {
                closedCount += closed.Count;
                closed.Clear();
            }
        }

        return closedCount + closed.Count;
    }

    /// <summary>Same work through the <see cref="MarketTick"/> overload (ticks already allocated, as they arrive from a source).</summary>
    [Benchmark(OperationsPerInvoke = TradeCount)]
    public long AddTrade_MarketTick_FourTimeframes()
    {
        var aggregator = new CandleAggregator("Bench", "BTCUSDT", TimeframeExtensions.All);
        var closed = new List<OHLCVBar>(4_096);
        long closedCount = 0;
        foreach (var tick in _ticks)
        {
            aggregator.AddTrade(tick, closed);
            if (closed.Count >= 4_000)
            {
                closedCount += closed.Count;
                closed.Clear();
            }
        }

        return closedCount + closed.Count;
    }

    private void Build()
    {
        _prices = new double[TradeCount];
        _quantities = new double[TradeCount];
        _times = new long[TradeCount];
        if (Trades == "recorded")
        {
            FillFromRecordings();
        }
        else
        {
            FillGenerated();
        }
    }

    private void FillFromRecordings()
    {
        var dir = BenchmarkData.FindDataRoot() ?? throw new InvalidOperationException(
            "The 'recorded' benchmark needs shared/data (set TRADING_DATA_DIR or run from a checkout beside shared/data).");
        var recordings = Path.Combine(dir, "binance", "spot", "ws_recordings");
        var trades = BinanceRecordingReader.ReadTrades(Path.Combine(recordings, "btcusdt_20240808.txt.gz"), "Bench", "BTCUSDT")
            .Concat(BinanceRecordingReader.ReadTrades(Path.Combine(recordings, "btcusdt_20240809.txt.gz"), "Bench", "BTCUSDT"))
            .ToList();
        var span = trades[^1].ExchangeTimeMs - trades[0].ExchangeTimeMs + 1_000;
        for (var i = 0; i < TradeCount; i++)
        {
            var t = trades[i % trades.Count];
            _prices[i] = t.Price;
            _quantities[i] = t.Quantity;
            _times[i] = t.ExchangeTimeMs + ((long)(i / trades.Count) * span);
        }
    }

    private void FillGenerated()
    {
        var random = new Random(42);
        var time = 1_723_161_600_000L;
        var price = 61_686.00;
        for (var i = 0; i < TradeCount; i++)
        {
            // Exponential gaps with a 33 ms mean: about 30 trades a second.
            time += (long)(-Math.Log(1 - random.NextDouble()) * 33.0);
            price = Math.Max(0.01, Math.Round(price + ((random.Next(3) - 1) * 0.01), 2));
            _prices[i] = price;
            _quantities[i] = Math.Round(Math.Exp((random.NextDouble() * 6) - 9), 5) + 0.00001;
            _times[i] = time;
        }
    }
}
