using BenchmarkDotNet.Attributes;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Issue 3 targets: all default indicators plus five pivot levels over one year of 1m bars (525,600) on one core, under
/// 0.5 s; one feature frame (2 symbols × 4 timeframes × 32 bars × 43 features) in under 20 µs. Bars are a seeded random walk.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ProcessorBenchmarks
{
    public const int YearOfMinutes = 525_600;
    private const long Start = 1_704_067_200_000; // 2024-01-01 00:00 UTC

    private PriceBar[] _year = [];
    private DataProcessor _frames = null!;
    private long _anchor;
    private float[] _values = [];
    private byte[] _mask = [];
    private bool[] _present = [];

    [GlobalSetup]
    public void Setup()
    {
        _year = RandomWalk(YearOfMinutes, 60_000, 2500, 7);

        // A processor with every block present (1s included), fed 3 days of 1m, 1h and 1d bars and the last 2 hours of 1s.
        string[] symbols = ["ETHUSDT", "BTCUSDT"];
        Timeframe[] timeframes = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay];
        var features = new FeatureSettings { Symbols = symbols, Timeframes = timeframes };
        _frames = new DataProcessor(new DataProcessorSettings { Symbols = symbols, Timeframes = timeframes, Features = features, HistoryBars = 0 });
        var bars = new List<OHLCVBar>();
        const int days = 60;
        var end = Start + (days * 86_400_000L);
        for (var s = 0; s < symbols.Length; s++)
        {
            bars.AddRange(Bars(symbols[s], Timeframe.OneDay, RandomWalk(days, 86_400_000, 2500 + (s * 50_000), 11 + s)));
            bars.AddRange(Bars(symbols[s], Timeframe.OneHour, RandomWalk(days * 24, 3_600_000, 2500 + (s * 50_000), 21 + s)));
            bars.AddRange(Bars(symbols[s], Timeframe.OneMinute, RandomWalk(3 * 1440, 60_000, 2500 + (s * 50_000), 31 + s, end - (3 * 86_400_000L))));
            bars.AddRange(Bars(symbols[s], Timeframe.OneSecond, RandomWalk(7200, 1000, 2500 + (s * 50_000), 41 + s, end - 7_200_000L)));
        }

        var output = new ProcessorOutput();
        foreach (var bar in bars.OrderBy(b => b.CloseTimeMs).ThenBy(b => b.Timeframe).ThenBy(b => b.Symbol != symbols[0]))
        {
            output.Clear();
            _frames.Process(bar, output);
        }

        _anchor = end - 60_000;
        var schema = _frames.Schema!;
        _values = new float[schema.Length];
        _mask = new byte[schema.Length];
        _present = new bool[symbols.Length * timeframes.Length];
        var reason = _frames.Frames!.BuildInto(_anchor, _values, _mask, _present, out var masked);
        if (reason is not null || masked != 0)
        {
            throw new InvalidOperationException($"The benchmark frame is not fully built ({reason}, {masked} masked blocks).");
        }
    }

    [Benchmark(Description = "Indicators (default set) + 5 pivot levels, 525,600 1m bars")]
    public long AllIndicatorsAndPivotsOneYear()
    {
        var indicators = IndicatorSet.CreateDefault();
        var pivots = new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute);
        var row = new double[indicators.ColumnCount];
        var confirmed = new List<PivotPoint>(64);
        long count = 0;
        foreach (var bar in _year)
        {
            indicators.Update(bar, row);
            confirmed.Clear();
            pivots.Update(bar, confirmed);
            count += confirmed.Count;
        }

        return count;
    }

    [Benchmark(Description = "Indicators only (default set), 525,600 1m bars")]
    public double IndicatorsOnlyOneYear()
    {
        var indicators = IndicatorSet.CreateDefault();
        var row = new double[indicators.ColumnCount];
        foreach (var bar in _year)
        {
            indicators.Update(bar, row);
        }

        return row[0];
    }

    [Benchmark(Description = "One feature frame (2 x 4 x 32 x 43)")]
    public FrameSkipReason? BuildOneFeatureFrame() => _frames.Frames!.BuildInto(_anchor, _values, _mask, _present, out _);

    private static PriceBar[] RandomWalk(int count, long stepMs, double start, int seed, long from = Start)
    {
        var random = new Random(seed);
        var bars = new PriceBar[count];
        var price = start;
        for (var i = 0; i < count; i++)
        {
            var open = price;
            var close = open * (1 + ((random.NextDouble() - 0.5) * 0.004));
            var high = Math.Max(open, close) * (1 + (random.NextDouble() * 0.001));
            var low = Math.Min(open, close) * (1 - (random.NextDouble() * 0.001));
            bars[i] = new PriceBar(from + (i * stepMs), open, high, low, close, 1 + (random.NextDouble() * 10));
            price = close;
        }

        return bars;
    }

    private static IEnumerable<OHLCVBar> Bars(string symbol, Timeframe timeframe, PriceBar[] bars) =>
        bars.Select(b => new OHLCVBar("Replay", symbol, timeframe, b.OpenTimeMs, b.Open, b.High, b.Low, b.Close, b.Volume, true));
}
