using System.Globalization;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Ui;

namespace TradingDashboard.Components.Pages.Backtests;

/// <summary>One line of the metrics table: the strategy's value beside buy and hold's.</summary>
public sealed record BacktestMetricRow(string Key, string Name, string Strategy, string Benchmark);

/// <summary>
/// The metrics table of a backtest (definitions: docs/metrics.md). Fractions are shown as percentages; a metric the
/// data cannot give is shown as n/a with the reason, never as a number.
/// </summary>
public static class BacktestMetricRows
{
    public const string NotAvailable = "n/a";

    public static IReadOnlyList<BacktestMetricRow> Build(PerformanceSummary strategy, PerformanceSummary benchmark)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(benchmark);
        return
        [
            Row("total-return", "Total return", s => Percent(s.TotalReturn), strategy, benchmark),
            Row("cagr", "CAGR", s => Percent(s.Cagr), strategy, benchmark),
            Row("sharpe", "Sharpe (daily, annualized)", s => Ratio(s.Sharpe), strategy, benchmark),
            Row("sortino", "Sortino", s => Ratio(s.Sortino), strategy, benchmark),
            Row("max-drawdown", "Max drawdown", s => Percent(s.MaxDrawdown), strategy, benchmark),
            Row("max-drawdown-days", "Max drawdown duration", s => s.MaxDrawdownDurationDays.ToString("0.0", CultureInfo.InvariantCulture) + " days", strategy, benchmark),
            Row("calmar", "Calmar", s => Ratio(s.Calmar), strategy, benchmark),
            Row("win-rate", "Win rate", s => s.WinRate is null ? $"{NotAvailable} (no trades)" : Percent(s.WinRate), strategy, benchmark),
            Row("profit-factor", "Profit factor", ProfitFactor, strategy, benchmark),
            Row("trades", "Closed trades", s => s.Trades.ToString(CultureInfo.InvariantCulture), strategy, benchmark),
            Row("average-trade", "Average trade PnL", s => s.AverageTrade is { } a ? a.ToString("#,##0.00", CultureInfo.InvariantCulture) : $"{NotAvailable} (no trades)", strategy, benchmark),
            Row("exposure", "Exposure (time in market)", s => Percent(s.Exposure), strategy, benchmark),
            Row("turnover", "Turnover (traded / mean equity)", s => s.Turnover.ToString("0.00", CultureInfo.InvariantCulture) + "x", strategy, benchmark),
            Row("fees", "Fees paid", s => s.FeesPaid.ToString("#,##0.00", CultureInfo.InvariantCulture), strategy, benchmark),
            Row("days", "Trading days", s => s.TradingDays.ToString(CultureInfo.InvariantCulture), strategy, benchmark),
        ];
    }

    /// <summary>Profit factor; null means no losing trade (or no trade at all), which is said in words.</summary>
    public static string ProfitFactor(PerformanceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.ProfitFactor is { } pf
            ? pf.ToString("0.00", CultureInfo.InvariantCulture)
            : summary.Trades == 0 ? $"{NotAvailable} (no trades)" : $"{NotAvailable} (no losing trade)";
    }

    /// <summary>A fraction as a percentage without a forced plus sign: 0.1234 -> "12.34 %", -0.05 -> "-5.00 %".</summary>
    public static string Percent(double? fraction) => fraction is { } f && double.IsFinite(f)
        ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %"
        : NotAvailable;

    private static string Ratio(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : NotAvailable;

    private static BacktestMetricRow Row(string key, string name, Func<PerformanceSummary, string> format, PerformanceSummary strategy, PerformanceSummary benchmark) =>
        new(key, name, format(strategy), format(benchmark));
}
