using TradingDashboard.Core.Indicators;

namespace TradingDashboard.Tests.Indicators;

/// <summary>Short series whose values were worked out by hand from the definitions.</summary>
public class IndicatorHandComputedTests
{
    private static readonly double N = double.NaN;

    private static void Same(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                Assert.True(double.IsNaN(actual[i]), $"[{i}] expected not valid, got {actual[i]}");
            }
            else
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"[{i}] expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }

    private static double[][] Run(IStreamingIndicator indicator, PriceBar[] bars) => IndicatorBatch.Run(indicator, bars);

    private static PriceBar[] Closes(params double[] closes) => IndicatorBatch.FromCloses(closes);

    private static PriceBar[] Hlc(params (double H, double L, double C)[] bars) =>
        bars.Select((b, i) => new PriceBar(i * 60_000L, b.C, b.H, b.L, b.C, 1)).ToArray();

    [Fact]
    public void Sma_3() => Same([N, N, 2, 3, 4, 5], Run(new Sma(3), Closes(1, 2, 3, 4, 5, 6))[0]);

    [Fact]
    public void Ema_3_is_seeded_with_the_sma_then_k_is_one_half() =>
        Same([N, N, 4, 6, 9, 11.5], Run(new Ema(3), Closes(2, 4, 6, 8, 12, 14))[0]);

    [Fact]
    public void Wma_3_weights_the_newest_most() =>
        Same([N, N, 14.0 / 6, 20.0 / 6, 41.0 / 6], Run(new Wma(3), Closes(1, 2, 3, 4, 10))[0]);

    [Fact]
    public void Rsi_3_seeds_with_plain_means_then_wilder()
    {
        // Changes +1, -0.5, +1.5 | -1 | +2. First: gain 2.5/3, loss 0.5/3 -> 83.33; then gain 5/9, loss 4/9; then 28/27, 8/27.
        Same([N, N, N, 250.0 / 3, 500.0 / 9, 700.0 / 9], Run(new Rsi(3), Closes(10, 11, 10.5, 12, 11, 13))[0]);
    }

    [Fact]
    public void Rsi_of_a_flat_series_is_zero_as_in_TA_Lib() =>
        Same([N, N, 0, 0], Run(new Rsi(2), Closes(5, 5, 5, 5))[0]);

    [Fact]
    public void Macd_2_3_2_aligns_the_fast_ema_to_the_slow_look_back()
    {
        // Slow EMA seeded at index 2 with mean(1,2,4) = 7/3, fast EMA with mean(2,4) = 3 (not with mean(1,2) at index 1).
        var r = Run(new Macd(2, 3, 2), Closes(1, 2, 4, 7, 11, 16));
        Same([N, N, N, 1, 25.0 / 18, r[0][5]], r[0]);
        Same([N, N, N, 5.0 / 6, 65.0 / 54, r[1][5]], r[1]);
        Same([N, N, N, 1.0 / 6, 10.0 / 54, r[0][5] - r[1][5]], r[2]);

        // Index 5 by hand: fast = (16 - 83/9)·2/3 + 83/9 = 371/27, slow = (16 - 47/6)/2 + 47/6 = 143/12.
        var macd5 = (371.0 / 27) - (143.0 / 12);
        Assert.Equal(macd5, r[0][5], 12);
        Assert.Equal(((macd5 - (65.0 / 54)) * (2.0 / 3)) + (65.0 / 54), r[1][5], 12);
    }

    [Fact]
    public void Atr_2_first_value_is_the_mean_true_range()
    {
        var bars = Hlc((10, 8, 9), (11, 9, 10.5), (12, 10, 11), (11.5, 9, 9.5));
        Same([N, N, 2, 2.25], Run(new Atr(2), bars)[0]);
    }

    [Fact]
    public void Adx_2_hand_computed()
    {
        var bars = Hlc((10, 9, 9.5), (11, 9.5, 10.5), (10.8, 9, 9.2), (12, 10, 11.5), (12.5, 11, 12));
        var r = Run(new DirectionalMovement(2), bars);
        Same([N, N, N, 600.0 / 17, 53600.0 / 918], r[0]);
        Same([N, N, 50 / 2.55, 145 / 4.075, 122.5 / 3.5375], r[1]);
        Same([N, N, 50 / 2.55, 25 / 4.075, 12.5 / 3.5375], r[2]);
    }

    [Fact]
    public void Williams_r_3()
    {
        var bars = new[] { (10.0, 8.0, 9.0), (12.0, 9.0, 11.0), (11.0, 9.0, 10.0), (13.0, 10.0, 12.0) };
        Same([N, N, -50, -25], Run(new WilliamsR(3), Hlc(bars))[0]);
    }

    [Fact]
    public void Stochastic_3_2_2()
    {
        // Fast %K: idx2 (10-8)/(12-8) = 50, idx3 (12-9)/(13-9) = 75, idx4 (11-9)/(14-9) = 40, idx5 (14-10)/(14-10) = 100.
        var bars = Hlc((10, 8, 9), (12, 9, 11), (11, 9, 10), (13, 10, 12), (14, 10, 11), (13, 11, 14));
        var r = Run(new Stochastic(3, 2, 2), bars);
        // Slow %K idx3 62.5, idx4 57.5, idx5 70; %D from idx4: 60, idx5 63.75. Both valid from idx 2+1+1 = 4.
        Same([N, N, N, N, 57.5, 70], r[0]);
        Same([N, N, N, N, 60, 63.75], r[1]);
    }

    [Fact]
    public void Cci_4()
    {
        // Window [2,3,4,9]: mean 4.5, mean deviation 2.25, CCI = 4.5 / (0.015 · 2.25) = 133.33.
        Same([N, N, N, 100, 400.0 / 3], Run(new Cci(4), Closes(1, 2, 3, 4, 9))[0]);
    }

    [Fact]
    public void Obv_starts_with_the_first_volume()
    {
        var bars = new[] { 10.0, 11, 11, 9 }.Select((c, i) => new PriceBar(i, c, c, c, c, new[] { 5.0, 3, 2, 4 }[i])).ToArray();
        Same([5, 8, 8, 4], Run(new Obv(), bars)[0]);
    }

    [Fact]
    public void Mfi_2()
    {
        var bars = new[] { 10.0, 11, 10, 12 }.Select((c, i) => new PriceBar(i, c, c, c, c, i + 1)).ToArray();
        // Flows: +22, -30, +48.
        Same([N, N, 2200.0 / 52, 4800.0 / 78], Run(new Mfi(2), bars)[0]);
    }

    [Fact]
    public void Roc_2() => Same([N, N, 20, -10], Run(new Roc(2), Closes(10, 11, 12, 9.9))[0]);

    [Fact]
    public void StdDev_and_bollinger_use_the_population_deviation()
    {
        var sd = Math.Sqrt(2.0 / 3);
        Same([N, N, sd, sd], Run(new StdDev(3), Closes(1, 2, 3, 4))[0]);
        var bb = Run(new BollingerBands(3, 2), Closes(1, 2, 3, 4));
        Same([N, N, 2 + (2 * sd), 3 + (2 * sd)], bb[0]);
        Same([N, N, 2, 3], bb[1]);
        Same([N, N, 2 - (2 * sd), 3 - (2 * sd)], bb[2]);
    }

    [Fact]
    public void Session_vwap_restarts_at_midnight_utc()
    {
        var midnight = new DateTimeOffset(2024, 10, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var bars = new[]
        {
            new PriceBar(midnight - 120_000, 10, 12, 9, 9, 2), // tp 10
            new PriceBar(midnight - 60_000, 10, 14, 10, 12, 1), // tp 12
            new PriceBar(midnight, 20, 21, 19, 20, 3), // tp 20, new session
            new PriceBar(midnight + 60_000, 20, 20, 20, 20, 0), // no volume: vwap unchanged
        };
        Same([10, 32.0 / 3, 20, 20], Run(new SessionVwap(), bars)[0]);
        Same([N], Run(new SessionVwap(), [new PriceBar(midnight, 1, 1, 1, 1, 0)])[0]);
    }

    [Theory]
    [InlineData("sma_20", "sma_20")]
    [InlineData("MACD_12_26_9", "macd_12_26_9,macd_signal_12_26_9,macd_hist_12_26_9")]
    [InlineData("bb_20_2", "bb_upper_20_2,bb_middle_20_2,bb_lower_20_2")]
    [InlineData("bb_20_2.5", "bb_upper_20_2.5,bb_middle_20_2.5,bb_lower_20_2.5")]
    [InlineData("adx_14", "adx_14,plus_di_14,minus_di_14")]
    [InlineData("stoch_14_3_3", "stoch_k_14_3_3,stoch_d_14_3_3")]
    [InlineData("vwap", "vwap")]
    [InlineData("stddev_20_1", "stddev_20")]
    [InlineData("stddev_20_2", "stddev_20_2")]
    public void Specs_name_their_columns(string spec, string columns) =>
        Assert.Equal(columns.Split(','), IndicatorSpec.Parse(spec).Create().OutputNames);

    [Theory]
    [InlineData("foo_3")]
    [InlineData("sma")]
    [InlineData("sma_0")]
    [InlineData("sma_2.5")]
    [InlineData("rsi_1")]
    [InlineData("macd_12_26")]
    [InlineData("obv_3")]
    public void Bad_specs_are_refused(string spec) => Assert.False(IndicatorSpec.TryParse(spec, out _, out _));

    [Fact]
    public void Default_columns_are_the_trainer_columns() =>
        Assert.Equal(
            "sma_20,ema_20,wma_20,rsi_14,macd_12_26_9,macd_signal_12_26_9,macd_hist_12_26_9,bb_upper_20_2,bb_middle_20_2,bb_lower_20_2,atr_14,stoch_k_14_3_3,stoch_d_14_3_3,willr_14,cci_20,adx_14,plus_di_14,minus_di_14,obv,mfi_14,roc_10,stddev_20,vwap",
            string.Join(",", IndicatorSet.CreateDefault().Columns));
}
