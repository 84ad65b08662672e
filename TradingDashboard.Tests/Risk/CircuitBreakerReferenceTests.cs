using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Risk;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Risk;

/// <summary>
/// The circuit breaker (monotonic queues, a division-free pre-check, both extremes of a candle under one lock)
/// against the plain definition: rescan the window for its minimum and maximum at every price.
/// </summary>
public class CircuitBreakerReferenceTests
{
    private static readonly CircuitBreakerOptions Tight = new() { MaxMoveFraction = 0.003m, WindowSeconds = 120, CooldownSeconds = 300 };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_prices_trip_exactly_when_the_rescanned_window_says_so(int seed)
    {
        var random = new Random(seed);
        var prices = new List<(string Symbol, double Price, long TimeMs)>();
        var last = new Dictionary<string, double> { ["ETHUSDT"] = 2000, ["BTCUSDT"] = 60_000 };
        var time = 0L;
        for (var i = 0; i < 20_000; i++)
        {
            var symbol = random.Next(2) == 0 ? "ETHUSDT" : "BTCUSDT";
            time += random.Next(0, 20_000); // equal times included
            var price = last[symbol] * (1 + (random.NextDouble() - 0.5) * 0.004);
            if (random.Next(10) == 0)
            {
                // On the limit from the last price, where only the exact test decides.
                price = last[symbol] * (1 + (random.Next(2) == 0 ? 0.003 : -0.003));
            }

            last[symbol] = price;
            prices.Add((symbol, price, time));
        }

        Compare(Tight, prices);
    }

    [Fact]
    public void Real_eth_and_btc_minutes_trip_as_the_reference()
    {
        var bars = RealBars(20_000);
        var prices = new List<(string Symbol, double Price, long TimeMs)>();
        foreach (var bar in bars)
        {
            prices.Add((bar.Symbol, bar.High, bar.CloseTimeMs + 1));
            prices.Add((bar.Symbol, bar.Low, bar.CloseTimeMs + 1));
        }

        Compare(new CircuitBreakerOptions { MaxMoveFraction = 0.004m, WindowSeconds = 180, CooldownSeconds = 300 }, prices);
    }

    [Fact]
    public void Both_extremes_at_once_equal_two_single_prices()
    {
        var options = new CircuitBreakerOptions { MaxMoveFraction = 0.004m, WindowSeconds = 180, CooldownSeconds = 300 };
        var pairwise = new CircuitBreaker(options);
        var single = new CircuitBreaker(options);
        var trips = 0;
        foreach (var bar in RealBars(20_000))
        {
            var time = bar.CloseTimeMs + 1;
            var (first, second) = pairwise.OnPrices(bar.Symbol, bar.High, bar.Low, time);
            var firstSingle = single.OnPrice(bar.Symbol, bar.High, time);
            var firstReason = firstSingle ? single.LastReason : null;
            var secondSingle = bar.Low != bar.High && single.OnPrice(bar.Symbol, bar.Low, time);
            Assert.Equal(firstReason, first);
            Assert.Equal(secondSingle ? single.LastReason : null, second);
            Assert.Equal(single.LastReason, pairwise.LastReason);
            Assert.Equal(single.TrippedUntil(DateTimeOffset.FromUnixTimeMilliseconds(time)), pairwise.TrippedUntil(DateTimeOffset.FromUnixTimeMilliseconds(time)));
            trips += (first is null ? 0 : 1) + (second is null ? 0 : 1);
        }

        Assert.True(trips > 10, $"only {trips} trips: the limit should be tight enough to trip on real data");
    }

    private static List<OHLCVBar> RealBars(int minutes)
    {
        var eth = KlineCsvReader.Read(TestData.File("binance", "spot", "klines", "1m", "ETHUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz"), "Binance", "ETHUSDT", Timeframe.OneMinute).Take(minutes);
        var btc = KlineCsvReader.Read(TestData.File("binance", "spot", "klines", "1m", "BTCUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz"), "Binance", "BTCUSDT", Timeframe.OneMinute).Take(minutes);
        return eth.Concat(btc).OrderBy(b => b.OpenTimeMs).ThenBy(b => b.Symbol, StringComparer.Ordinal).ToList();
    }

    private static void Compare(CircuitBreakerOptions options, List<(string Symbol, double Price, long TimeMs)> prices)
    {
        var breaker = new CircuitBreaker(options);
        var reference = new Reference(options);
        var trips = 0;
        foreach (var (symbol, price, time) in prices)
        {
            var expected = reference.OnPrice(symbol, price, time);
            Assert.Equal(expected, breaker.OnPrice(symbol, price, time));
            var now = DateTimeOffset.FromUnixTimeMilliseconds(time);
            Assert.Equal(reference.IsTripped(time), breaker.IsTripped(now));
            Assert.Equal(reference.Reason, breaker.LastReason);
            trips += expected ? 1 : 0;
        }

        Assert.True(trips > 10, $"only {trips} trips: the sequence should exercise the limit");
    }

    /// <summary>The definition, by rescanning the window (prices from time - window on) at every price.</summary>
    private sealed class Reference(CircuitBreakerOptions options)
    {
        private readonly Dictionary<string, List<(long Time, double Price)>> _windows = [];
        private long _trippedUntil = long.MinValue;

        public string? Reason { get; private set; }

        public bool IsTripped(long timeMs) => timeMs < _trippedUntil;

        public bool OnPrice(string symbol, double price, long timeMs)
        {
            if (!_windows.TryGetValue(symbol, out var window))
            {
                window = [];
                _windows[symbol] = window;
            }

            window.Add((timeMs, price));
            window.RemoveAll(p => p.Time < timeMs - options.WindowSeconds * 1000L);
            var min = window.Min(p => p.Price);
            var max = window.Max(p => p.Price);
            var limit = (double)options.MaxMoveFraction;
            var up = price / min - 1;
            var down = 1 - price / max;
            if (up < limit && down < limit)
            {
                return false;
            }

            _trippedUntil = timeMs + options.CooldownSeconds * 1000L;
            Reason = up >= limit
                ? $"{symbol} rose {up:P2} within {options.WindowSeconds} s (limit {limit:P2})"
                : $"{symbol} fell {down:P2} within {options.WindowSeconds} s (limit {limit:P2})";
            return true;
        }
    }
}
