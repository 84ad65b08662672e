using TradingDashboard.Core.Backtesting;

namespace TradingDashboard.Tests.Backtesting;

/// <summary>
/// The worked examples of docs/metrics.md, on hand-made equity curves. Every expected value is written out as the
/// arithmetic done by hand, never taken from the code under test.
/// </summary>
public class PerformanceMetricsTests
{
    private const double Tolerance = 1e-12;

    private static long T(int day, int hour) => new DateTimeOffset(2024, 1, day, hour, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Example 1 of docs/metrics.md.</summary>
    private static readonly EquityPoint[] Example1 =
    [
        new(T(1, 0), 100),
        new(T(1, 12), 104),
        new(T(1, 23), 110),
        new(T(2, 23), 99),
        new(T(3, 12), 105),
        new(T(3, 23), 108.9),
        new(T(4, 23), 119.79),
    ];

    [Fact]
    public void Daily_returns_use_the_last_equity_of_each_utc_day()
    {
        var r = PerformanceMetrics.DailyReturns(Example1);
        // E_0 = 100 (first point), E_1 = 110, E_2 = 99, E_3 = 108.9, E_4 = 119.79
        Assert.Equal(4, r.Count);
        Assert.Equal(0.10, r[0], Tolerance); // 110 / 100 - 1
        Assert.Equal(-0.10, r[1], Tolerance); // 99 / 110 - 1
        Assert.Equal(0.10, r[2], Tolerance); // 108.9 / 99 - 1
        Assert.Equal(0.10, r[3], Tolerance); // 119.79 / 108.9 - 1
    }

    [Fact]
    public void Sharpe_is_mean_over_sample_stdev_times_sqrt_365()
    {
        // mean = (0.1 - 0.1 + 0.1 + 0.1) / 4 = 0.05
        // deviations 0.05, -0.15, 0.05, 0.05; squares sum 0.0025 + 0.0225 + 0.0025 + 0.0025 = 0.03; / (4 - 1) = 0.01; stdev 0.1
        // Sharpe = 0.05 / 0.1 x sqrt(365) = 0.5 x 19.1049731745428 = 9.5524865872714
        var sharpe = PerformanceMetrics.Sharpe(PerformanceMetrics.DailyReturns(Example1));
        Assert.Equal(9.5524865872714, sharpe!.Value, 1e-9);
    }

    [Fact]
    public void Sortino_is_mean_over_root_mean_square_of_negative_returns_times_sqrt_365()
    {
        // min(r, 0)^2: 0, 0.01, 0, 0; mean 0.0025; sqrt 0.05; Sortino = 0.05 / 0.05 x sqrt(365) = 19.1049731745428
        var sortino = PerformanceMetrics.Sortino(PerformanceMetrics.DailyReturns(Example1));
        Assert.Equal(19.1049731745428, sortino!.Value, 1e-9);
    }

    [Fact]
    public void Max_drawdown_and_its_duration()
    {
        // Peak 110 on Jan 1 23:00; low 99 on Jan 2: 1 - 99 / 110 = 0.1. Back above 110 only on Jan 4 23:00 (119.79): 3 days.
        var (maxDrawdown, days) = PerformanceMetrics.MaxDrawdown(Example1);
        Assert.Equal(0.1, maxDrawdown, Tolerance);
        Assert.Equal(3.0, days, Tolerance);
    }

    [Fact]
    public void Total_return_and_a_never_recovered_drawdown_lasts_until_the_last_point()
    {
        Assert.Equal(0.1979, PerformanceMetrics.TotalReturn(Example1), Tolerance); // 119.79 / 100 - 1
        EquityPoint[] falling = [new(T(1, 0), 100), new(T(2, 0), 120), new(T(3, 0), 90), new(T(5, 12), 96)];
        var (maxDrawdown, days) = PerformanceMetrics.MaxDrawdown(falling);
        Assert.Equal(0.25, maxDrawdown, Tolerance); // 1 - 90 / 120
        Assert.Equal(3.5, days, Tolerance); // from the peak on Jan 2 00:00 to the last point on Jan 5 12:00
    }

    [Fact]
    public void Cagr_and_calmar_over_two_years_of_365_days()
    {
        // Example 2: 100, then 90 a year later, then 121 after 730 days.
        var start = new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        const long day = 86_400_000L;
        EquityPoint[] curve = [new(start, 100), new(start + 365 * day, 90), new(start + 730 * day, 121)];
        var cagr = PerformanceMetrics.Cagr(curve);
        Assert.Equal(0.1, cagr!.Value, 1e-12); // 1.21^(365 / 730) - 1 = 1.1 - 1
        var (maxDrawdown, duration) = PerformanceMetrics.MaxDrawdown(curve);
        Assert.Equal(0.1, maxDrawdown, Tolerance); // 1 - 90 / 100
        Assert.Equal(730.0, duration, Tolerance); // peak at the start, recovered at the end
        Assert.Equal(1.0, PerformanceMetrics.Calmar(cagr, maxDrawdown)!.Value, 1e-12); // 0.1 / 0.1
        Assert.Null(PerformanceMetrics.Calmar(0.1, 0)); // no drawdown: undefined, not infinite
    }

    [Fact]
    public void Trade_statistics_and_the_all_wins_case()
    {
        RoundTrip Trip(decimal pnl) => new("ETHUSDT", 1, 0, 1, pnl, 1m);
        RoundTrip[] mixed = [Trip(30m), Trip(-10m), Trip(20m), Trip(-5m)];
        Assert.Equal(0.5, PerformanceMetrics.WinRate(mixed)); // 2 of 4
        Assert.Equal(50.0 / 15.0, PerformanceMetrics.ProfitFactor(mixed)!.Value, Tolerance); // (30 + 20) / (10 + 5)

        RoundTrip[] allWins = [Trip(5m), Trip(7m)];
        Assert.Equal(1.0, PerformanceMetrics.WinRate(allWins));
        Assert.Null(PerformanceMetrics.ProfitFactor(allWins));
        Assert.Null(PerformanceMetrics.ProfitFactor([]));
        Assert.Null(PerformanceMetrics.WinRate([]));

        var summary = PerformanceMetrics.Summarize(Example1, mixed, [], 0);
        Assert.Equal(8.75, summary.AverageTrade!.Value, Tolerance); // (30 - 10 + 20 - 5) / 4
        Assert.Equal(4, summary.Trades);
    }

    [Fact]
    public void Undefined_ratios_are_null_not_numbers()
    {
        double[] flat = [0.01, 0.01, 0.01];
        Assert.Null(PerformanceMetrics.Sharpe(flat)); // no variation
        Assert.Null(PerformanceMetrics.Sortino(flat)); // no negative day
        Assert.Null(PerformanceMetrics.Sharpe([0.02])); // one return: no sample deviation
        Assert.Null(PerformanceMetrics.Cagr([new EquityPoint(T(1, 0), 100)]));
        Assert.Empty(PerformanceMetrics.DailyReturns([]));
    }

    [Fact]
    public void Exposure_turnover_and_fees_in_the_summary()
    {
        EquityPoint[] curve = [new(T(1, 0), 1000), new(T(1, 1), 1000), new(T(1, 2), 1100), new(T(1, 3), 900)];
        TradeRecord[] fills =
        [
            new(T(1, 1), "ETHUSDT", Core.Execution.OrderSide.Buy, 1m, 500m, 0.5m, "USDT", "a", "x"),
            new(T(1, 3), "ETHUSDT", Core.Execution.OrderSide.Sell, 1m, 400m, 0.4m, "USDT", "b", "y"),
        ];
        var s = PerformanceMetrics.Summarize(curve, [], fills, exposedPoints: 2);
        Assert.Equal(0.5, s.Exposure); // 2 of 4 points with a position
        Assert.Equal(900.0 / 1000.0, s.Turnover, Tolerance); // (500 + 400) / mean equity (1000 + 1000 + 1100 + 900) / 4
        Assert.Equal(0.9, s.FeesPaid, Tolerance);
        Assert.Equal(1, s.TradingDays);
    }
}
