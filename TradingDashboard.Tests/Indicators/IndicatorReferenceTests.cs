using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Indicators;

/// <summary>Production indicators against the plain reference implementation, on real Binance files, to 1e-9 relative.</summary>
public class IndicatorReferenceTests
{
    public static TheoryData<string, string, string> RealFiles => new()
    {
        { "binance/spot/klines/1m/BTCUSDT-1m-2025-10-29_2025-11-01.full.csv.gz", "BTCUSDT", "1m" },
        { "binance/spot/klines/1h/ETHUSDT-1h-2026-01-27_2026-07-26.full.csv.gz", "ETHUSDT", "1h" },
        { "binance/spot/klines/1d/BTCUSDT-1d-2017-08-17_2026-07-25.full.csv.gz", "BTCUSDT", "1d" },
    };

    internal static PriceBar[] Load(string relative, string symbol, string timeframe) =>
        KlineCsvReader.Read(TestData.File(relative.Split('/')), "Replay", symbol, TimeframeExtensions.Parse(timeframe))
            .Select(PriceBar.From)
            .ToArray();

    /// <summary>|a - b| within 1e-9 of the larger magnitude (at least 1, so values crossing zero are compared absolutely); NaN must match NaN.</summary>
    internal static void AssertClose(double[] expected, double[] actual, string column)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var a = actual[i];
            if (double.IsNaN(e) || double.IsNaN(a))
            {
                Assert.True(double.IsNaN(e) && double.IsNaN(a), $"{column}[{i}]: expected {e}, got {a} (validity differs)");
                continue;
            }

            var tolerance = 1e-9 * Math.Max(1.0, Math.Max(Math.Abs(e), Math.Abs(a)));
            Assert.True(Math.Abs(e - a) <= tolerance, $"{column}[{i}]: expected {e:R}, got {a:R} (diff {Math.Abs(e - a):E3})");
        }
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Default_set_matches_the_reference_on_real_data(string file, string symbol, string timeframe)
    {
        var bars = Load(file, symbol, timeframe);
        Assert.True(bars.Length > 1000);
        var t = bars.Select(b => b.OpenTimeMs).ToArray();
        var h = bars.Select(b => b.High).ToArray();
        var l = bars.Select(b => b.Low).ToArray();
        var c = bars.Select(b => b.Close).ToArray();
        var v = bars.Select(b => b.Volume).ToArray();

        var table = IndicatorSet.CreateDefault().ComputeBatch(bars);

        var expected = new Dictionary<string, double[]>
        {
            ["sma_20"] = ReferenceIndicators.Sma(c, 20),
            ["ema_20"] = ReferenceIndicators.Ema(c, 20, 19),
            ["wma_20"] = ReferenceIndicators.Wma(c, 20),
            ["rsi_14"] = ReferenceIndicators.Rsi(c, 14),
            ["atr_14"] = ReferenceIndicators.Atr(h, l, c, 14),
            ["willr_14"] = ReferenceIndicators.WillR(h, l, c, 14),
            ["cci_20"] = ReferenceIndicators.Cci(h, l, c, 20),
            ["obv"] = ReferenceIndicators.Obv(c, v),
            ["mfi_14"] = ReferenceIndicators.Mfi(h, l, c, v, 14),
            ["roc_10"] = ReferenceIndicators.Roc(c, 10),
            ["stddev_20"] = ReferenceIndicators.PopulationStdDev(c, 20),
            ["vwap"] = ReferenceIndicators.Vwap(t, h, l, c, v),
        };

        var (macd, signal, hist) = ReferenceIndicators.Macd(c, 12, 26, 9);
        expected["macd_12_26_9"] = macd;
        expected["macd_signal_12_26_9"] = signal;
        expected["macd_hist_12_26_9"] = hist;

        var sma = ReferenceIndicators.Sma(c, 20);
        var sd = ReferenceIndicators.PopulationStdDev(c, 20);
        expected["bb_middle_20_2"] = sma;
        expected["bb_upper_20_2"] = sma.Select((m, i) => m + (2 * sd[i])).ToArray();
        expected["bb_lower_20_2"] = sma.Select((m, i) => m - (2 * sd[i])).ToArray();

        var (k, d) = ReferenceIndicators.Stoch(h, l, c, 14, 3, 3);
        expected["stoch_k_14_3_3"] = k;
        expected["stoch_d_14_3_3"] = d;

        var (adx, plus, minus) = ReferenceIndicators.Dmi(h, l, c, 14);
        expected["adx_14"] = adx;
        expected["plus_di_14"] = plus;
        expected["minus_di_14"] = minus;

        Assert.Equal(expected.Keys.Order(), table.Columns.Order());
        foreach (var (column, values) in expected)
        {
            AssertClose(values, table[column], column);
        }
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Warm_up_lengths_are_the_TA_Lib_look_backs(string file, string symbol, string timeframe)
    {
        var bars = Load(file, symbol, timeframe);
        var table = IndicatorSet.CreateDefault().ComputeBatch(bars);
        var lookback = new Dictionary<string, int>
        {
            ["sma_20"] = 19, ["ema_20"] = 19, ["wma_20"] = 19, ["rsi_14"] = 14,
            ["macd_12_26_9"] = 33, ["macd_signal_12_26_9"] = 33, ["macd_hist_12_26_9"] = 33,
            ["bb_upper_20_2"] = 19, ["bb_middle_20_2"] = 19, ["bb_lower_20_2"] = 19, ["atr_14"] = 14,
            ["stoch_k_14_3_3"] = 17, ["stoch_d_14_3_3"] = 17, ["willr_14"] = 13, ["cci_20"] = 19,
            ["adx_14"] = 27, ["plus_di_14"] = 14, ["minus_di_14"] = 14, ["obv"] = 0, ["mfi_14"] = 14,
            ["roc_10"] = 10, ["stddev_20"] = 19, ["vwap"] = 0,
        };
        foreach (var (column, first) in lookback)
        {
            var values = table[column];
            Assert.All(values.Take(first), x => Assert.True(double.IsNaN(x), $"{column} valid before {first}"));
            Assert.True(double.IsFinite(values[first]), $"{column} not valid at {first}");
        }
    }

    [Fact]
    public void Streaming_peek_equals_update_and_changes_nothing()
    {
        var bars = Load("binance/spot/klines/1m/BTCUSDT-1m-2025-10-29_2025-11-01.full.csv.gz", "BTCUSDT", "1m")[..600];
        var batch = IndicatorSet.CreateDefault().ComputeBatch(bars);

        var streaming = IndicatorSet.CreateDefault();
        var peeked = new double[streaming.ColumnCount];
        var updated = new double[streaming.ColumnCount];
        for (var i = 0; i < bars.Length; i++)
        {
            // A forming version of the bar (half its range), then the bar itself as forming, then the close.
            var b = bars[i];
            streaming.Peek(b with { High = b.Open, Low = b.Open, Close = b.Open, Volume = b.Volume / 2 }, peeked);
            streaming.Peek(b, peeked);
            streaming.Update(b, updated);
            for (var k = 0; k < streaming.ColumnCount; k++)
            {
                Assert.Equal(updated[k], peeked[k]);
                Assert.Equal(batch.Values[k][i], updated[k]);
            }
        }
    }
}
