using System.Globalization;
using TradingDashboard.Core.Models;
using TradingDashboard.Ui;

namespace TradingDashboard.Components.Pages.Models;

/// <summary>How the model pages write probabilities, scores, latencies and hashes; unknown values are "—", never a number.</summary>
public static class ModelDisplay
{
    /// <summary>Shown beside a missing precision or recall.</summary>
    public const string NoOutcomes = "no outcomes yet";

    /// <summary>Shown where model serving services are not registered in this host.</summary>
    public const string NotConfigured = "Model serving is not configured in this host";

    /// <summary>A probability or confidence (0..1) as a percentage with one decimal: 62.5 %.</summary>
    public static string Probability(double? value) =>
        value is { } v && double.IsFinite(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : DisplayFormat.Missing;

    /// <summary>A precision, recall, F1 or gate score (0..1) with three decimals: 0.625.</summary>
    public static string Score(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : DisplayFormat.Missing;

    /// <summary>A loss with four significant decimals.</summary>
    public static string Loss(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : DisplayFormat.Missing;

    /// <summary>An inference latency: 412 µs, 1.25 ms; "—" before the first call.</summary>
    public static string Latency(double microseconds, long calls) =>
        calls <= 0 || !double.IsFinite(microseconds) ? DisplayFormat.Missing
        : microseconds < 1000 ? microseconds.ToString("0", CultureInfo.InvariantCulture) + " µs"
        : (microseconds / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " ms";

    public static string Class(PivotClass pivotClass) => pivotClass.ToCode();

    /// <summary>The first 12 hex characters of a schema or file hash.</summary>
    public static string HashPrefix(string? hash) =>
        string.IsNullOrEmpty(hash) ? DisplayFormat.Missing : hash.Length <= 12 ? hash : hash[..12];

    /// <summary>A training data range as dates: 2024-01-01 → 2024-03-31.</summary>
    public static string Range(DateTimeOffset from, DateTimeOffset to) =>
        from.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " → " + to.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
