using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Backtesting;

/// <summary>Account equity at one time (Unix ms, UTC): one point per bar close in a backtest.</summary>
public readonly record struct EquityPoint(long TimeMs, double Equity);

/// <summary>One fill, as written to trades.csv.</summary>
public sealed record TradeRecord(long TimeMs, string Symbol, OrderSide Side, decimal Quantity, decimal Price, decimal Fee, string FeeAsset, string OrderId, string Reason);

/// <summary>
/// A closed trade: from the fill that opened a position (from flat) to the fill that made it flat again.
/// <see cref="Pnl"/> is the realized PnL over that span, net of every fee paid by its fills.
/// </summary>
/// <param name="Direction">+1 long, -1 short.</param>
public sealed record RoundTrip(string Symbol, int Direction, long EntryTimeMs, long ExitTimeMs, decimal Pnl, decimal Fees);

/// <summary>The metrics of one equity curve and its trades (definitions: docs/metrics.md).</summary>
public sealed record PerformanceSummary(
    double TotalReturn,
    double? Cagr,
    double? Sharpe,
    double? Sortino,
    double MaxDrawdown,
    double MaxDrawdownDurationDays,
    double? Calmar,
    double? WinRate,
    double? ProfitFactor,
    int Trades,
    double? AverageTrade,
    double Exposure,
    double Turnover,
    double FeesPaid,
    int TradingDays);

/// <summary>
/// The backtest metrics, exactly as issue 5 and docs/metrics.md define them. Pure functions over an equity curve
/// (and trades); ratios are fractions (0.1 = 10 %). Crypto trades every day, so years have 365 days.
/// </summary>
public static class PerformanceMetrics
{
    public const long DayMs = 86_400_000L;
    public const double DaysPerYear = 365.0;

    /// <summary>
    /// Daily returns r_d = E_d / E_(d-1) - 1, with E_d the last equity of UTC day d, over the days that have points,
    /// in order. E_(d-1) of the first day is the curve's first point (the starting equity). A day whose base is not
    /// positive has no return.
    /// </summary>
    public static IReadOnlyList<double> DailyReturns(IReadOnlyList<EquityPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var returns = new List<double>();
        if (curve.Count == 0)
        {
            return returns;
        }

        var previous = curve[0].Equity;
        var day = FloorDay(curve[0].TimeMs);
        var last = curve[0].Equity;
        for (var i = 1; i < curve.Count; i++)
        {
            var d = FloorDay(curve[i].TimeMs);
            if (d != day)
            {
                Add(returns, previous, last);
                previous = last;
                day = d;
            }

            last = curve[i].Equity;
        }

        Add(returns, previous, last);
        return returns;

        static void Add(List<double> returns, double previous, double last)
        {
            if (previous > 0)
            {
                returns.Add(last / previous - 1);
            }
        }
    }

    /// <summary>mean(r) / stdev(r) x sqrt(365), sample standard deviation (n - 1), risk-free rate 0; null when fewer than 2 returns or no variation.</summary>
    public static double? Sharpe(IReadOnlyList<double> returns)
    {
        ArgumentNullException.ThrowIfNull(returns);
        if (returns.Count < 2)
        {
            return null;
        }

        var mean = returns.Average();
        var variance = returns.Sum(r => (r - mean) * (r - mean)) / (returns.Count - 1);
        return variance > 0 ? mean / Math.Sqrt(variance) * Math.Sqrt(DaysPerYear) : null;
    }

    /// <summary>mean(r) / sqrt(mean(min(r, 0)^2)) x sqrt(365); null when there is no return or no negative one.</summary>
    public static double? Sortino(IReadOnlyList<double> returns)
    {
        ArgumentNullException.ThrowIfNull(returns);
        if (returns.Count == 0)
        {
            return null;
        }

        var downside = Math.Sqrt(returns.Sum(r => r < 0 ? r * r : 0) / returns.Count);
        return downside > 0 ? returns.Average() / downside * Math.Sqrt(DaysPerYear) : null;
    }

    /// <summary>
    /// Maximum drawdown = max over points of 1 - E / running peak. Its duration is the longest time, in days, from a
    /// peak until equity is back at or above it (or until the last point when it never is).
    /// </summary>
    public static (double MaxDrawdown, double DurationDays) MaxDrawdown(IReadOnlyList<EquityPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count == 0)
        {
            return (0, 0);
        }

        var peak = curve[0].Equity;
        var peakTime = curve[0].TimeMs;
        double max = 0;
        long longest = 0;
        var inDrawdown = false;
        foreach (var p in curve)
        {
            if (p.Equity >= peak)
            {
                if (inDrawdown)
                {
                    longest = Math.Max(longest, p.TimeMs - peakTime);
                    inDrawdown = false;
                }

                peak = p.Equity;
                peakTime = p.TimeMs;
                continue;
            }

            inDrawdown = true;
            if (peak > 0)
            {
                max = Math.Max(max, 1 - p.Equity / peak);
            }
        }

        if (inDrawdown)
        {
            longest = Math.Max(longest, curve[^1].TimeMs - peakTime);
        }

        return (max, longest / (double)DayMs);
    }

    /// <summary>E_last / E_first - 1.</summary>
    public static double TotalReturn(IReadOnlyList<EquityPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        return curve.Count == 0 || curve[0].Equity <= 0 ? 0 : curve[^1].Equity / curve[0].Equity - 1;
    }

    /// <summary>(E_last / E_first)^(365 / days) - 1, days = (t_last - t_first) / 1 day; null for a curve without length.</summary>
    public static double? Cagr(IReadOnlyList<EquityPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count < 2 || curve[0].Equity <= 0)
        {
            return null;
        }

        var days = (curve[^1].TimeMs - curve[0].TimeMs) / (double)DayMs;
        if (days <= 0)
        {
            return null;
        }

        var growth = curve[^1].Equity / curve[0].Equity;
        return growth <= 0 ? -1 : Math.Pow(growth, DaysPerYear / days) - 1;
    }

    /// <summary>CAGR / maximum drawdown; null when either is missing or the drawdown is 0.</summary>
    public static double? Calmar(double? cagr, double maxDrawdown) => cagr is { } c && maxDrawdown > 0 ? c / maxDrawdown : null;

    /// <summary>Share of trades with PnL above 0; null without trades.</summary>
    public static double? WinRate(IReadOnlyList<RoundTrip> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        return trades.Count == 0 ? null : trades.Count(t => t.Pnl > 0) / (double)trades.Count;
    }

    /// <summary>Gross profit / gross loss of trades; null when no trade lost (the all-wins case is reported as such, not as a number).</summary>
    public static double? ProfitFactor(IReadOnlyList<RoundTrip> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var loss = trades.Where(t => t.Pnl < 0).Sum(t => -t.Pnl);
        if (loss == 0)
        {
            return null;
        }

        return (double)(trades.Where(t => t.Pnl > 0).Sum(t => t.Pnl) / loss);
    }

    /// <summary>All metrics of a run. <paramref name="exposedPoints"/>: equity points at which some position was open.</summary>
    public static PerformanceSummary Summarize(IReadOnlyList<EquityPoint> curve, IReadOnlyList<RoundTrip> trades, IReadOnlyList<TradeRecord> fills, int exposedPoints)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentNullException.ThrowIfNull(fills);
        var returns = DailyReturns(curve);
        var (maxDrawdown, duration) = MaxDrawdown(curve);
        var cagr = Cagr(curve);
        var meanEquity = curve.Count == 0 ? 0 : curve.Average(p => p.Equity);
        var traded = fills.Sum(f => (double)(f.Quantity * f.Price));
        return new PerformanceSummary(
            TotalReturn(curve),
            cagr,
            Sharpe(returns),
            Sortino(returns),
            maxDrawdown,
            duration,
            Calmar(cagr, maxDrawdown),
            WinRate(trades),
            ProfitFactor(trades),
            trades.Count,
            trades.Count == 0 ? null : (double)trades.Average(t => t.Pnl),
            curve.Count == 0 ? 0 : exposedPoints / (double)curve.Count,
            meanEquity > 0 ? traded / meanEquity : 0,
            (double)fills.Sum(f => f.Fee),
            returns.Count);
    }

    private static long FloorDay(long timeMs) => (timeMs >= 0 ? timeMs : timeMs - DayMs + 1) / DayMs;
}
