using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TradingDashboard.Core.Backtesting;

/// <summary>
/// Writes a backtest's report.json, equity.csv and trades.csv (formats in issue 5 and docs/metrics.md).
/// Numbers use the invariant culture; doubles are written in round-trip form; a metric that is undefined is null.
/// </summary>
public static class BacktestReportWriter
{
    public const string ReportFile = "report.json";
    public const string EquityFile = "equity.csv";
    public const string TradesFile = "trades.csv";

    public static async Task WriteAsync(BacktestResult result, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, ReportFile), ReportJson(result), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, EquityFile), EquityCsv(result.Equity), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, TradesFile), TradesCsv(result.Fills), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// report.json: the issue's keys (totalReturn, cagr, sharpe, sortino, maxDrawdown, maxDrawdownDurationDays, calmar,
    /// winRate, profitFactor, trades, exposure, feesPaid, benchmark {totalReturn, sharpe, sortino, maxDrawdown}),
    /// then averageTrade, turnover, fills and the run's description.
    /// </summary>
    public static byte[] ReportJson(BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var m = result.Metrics;
        var b = result.BenchmarkMetrics;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            Number(w, "totalReturn", m.TotalReturn);
            Number(w, "cagr", m.Cagr);
            Number(w, "sharpe", m.Sharpe);
            Number(w, "sortino", m.Sortino);
            Number(w, "maxDrawdown", m.MaxDrawdown);
            Number(w, "maxDrawdownDurationDays", m.MaxDrawdownDurationDays);
            Number(w, "calmar", m.Calmar);
            Number(w, "winRate", m.WinRate);
            Number(w, "profitFactor", m.ProfitFactor);
            w.WriteNumber("trades", m.Trades);
            Number(w, "exposure", m.Exposure);
            Number(w, "feesPaid", m.FeesPaid);
            w.WriteStartObject("benchmark");
            Number(w, "totalReturn", b.TotalReturn);
            Number(w, "sharpe", b.Sharpe);
            Number(w, "sortino", b.Sortino);
            Number(w, "maxDrawdown", b.MaxDrawdown);
            w.WriteEndObject();
            Number(w, "averageTrade", m.AverageTrade);
            Number(w, "turnover", m.Turnover);
            w.WriteNumber("fills", result.Fills.Count);
            w.WriteString("strategy", result.Strategy);
            w.WriteStartArray("symbols");
            foreach (var symbol in result.Symbols)
            {
                w.WriteStringValue(symbol);
            }

            w.WriteEndArray();
            if (result.Equity.Count > 0)
            {
                w.WriteNumber("start", result.Equity[0].TimeMs);
                w.WriteNumber("end", result.Equity[^1].TimeMs);
            }

            w.WriteNumber("bars", result.TradingBars);
            w.WriteNumber("initialEquity", result.InitialEquity);
            w.WriteNumber("finalEquity", result.FinalEquity);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>equity.csv: time,equity,drawdown (time in Unix ms, drawdown = 1 - equity / running peak), one row per bar time.</summary>
    public static string EquityCsv(IReadOnlyList<EquityPoint> equity)
    {
        ArgumentNullException.ThrowIfNull(equity);
        var sb = new StringBuilder("time,equity,drawdown\n");
        var peak = double.MinValue;
        foreach (var p in equity)
        {
            peak = Math.Max(peak, p.Equity);
            var drawdown = peak > 0 ? 1 - p.Equity / peak : 0;
            sb.Append(p.TimeMs.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Equity.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(drawdown.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>trades.csv: time,symbol,side,quantity,price,fee,order_id,reason, one row per fill (reason quoted when needed).</summary>
    public static string TradesCsv(IReadOnlyList<TradeRecord> fills)
    {
        ArgumentNullException.ThrowIfNull(fills);
        var sb = new StringBuilder("time,symbol,side,quantity,price,fee,order_id,reason\n");
        foreach (var f in fills)
        {
            sb.Append(f.TimeMs.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(f.Symbol).Append(',')
              .Append(f.Side == Execution.OrderSide.Buy ? "buy" : "sell").Append(',')
              .Append(f.Quantity.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(f.Price.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(f.Fee.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(f.OrderId).Append(',')
              .Append(Csv(f.Reason)).Append('\n');
        }

        return sb.ToString();
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
