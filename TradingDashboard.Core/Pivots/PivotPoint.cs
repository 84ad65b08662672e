using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Pivots;

public enum PivotType
{
    Low,
    High,
}

/// <summary>Market structure of one pivot level: higher highs and higher lows (up), lower highs and lower lows (down), anything else (sideways).</summary>
public enum Trend
{
    /// <summary>Fewer than two highs or two lows confirmed on the level yet.</summary>
    Unknown,
    Up,
    Down,
    Sideways,
}

/// <summary>
/// A Williams market structure pivot: a swing high or low of <see cref="Level"/> 1..5 on one symbol and timeframe. Emitted
/// once, when it becomes known (<see cref="ConfirmedAtMs"/>), and never revised. Times are Unix milliseconds, UTC.
/// </summary>
/// <param name="OpenTimeMs">Open time of the bar that made the high or low.</param>
/// <param name="ConfirmedAtMs">Close time (open + interval − 1 ms) of the bar whose close confirmed the pivot.</param>
/// <param name="Confidence">Always 1: a confirmed pivot is certain (kept for models that weigh pivots).</param>
public sealed record PivotPoint(
    string Symbol,
    Timeframe Timeframe,
    int Level,
    PivotType Type,
    double Price,
    long OpenTimeMs,
    long ConfirmedAtMs,
    double Confidence = 1.0)
{
    public DateTimeOffset OpenTime => DateTimeOffset.FromUnixTimeMilliseconds(OpenTimeMs);

    public DateTimeOffset ConfirmedAt => DateTimeOffset.FromUnixTimeMilliseconds(ConfirmedAtMs);

    /// <summary>"high" or "low", as in CSV files and the API.</summary>
    public string TypeCode => Type == PivotType.High ? "high" : "low";
}

/// <summary>Normalization range of one pivot level (see docs/pivots.md).</summary>
/// <param name="PriceLow">Lower of the level's last confirmed pivot high and last confirmed pivot low.</param>
/// <param name="PriceHigh">Higher of the two.</param>
/// <param name="VolumeMax">Largest bar volume from the older of those two pivot bars to the latest bar.</param>
/// <param name="SinceOpenTimeMs">Open time of the older of the two pivot bars.</param>
public sealed record PivotLevelBounds(int Level, double PriceLow, double PriceHigh, double VolumeMax, long SinceOpenTimeMs)
{
    public double PriceRange => PriceHigh - PriceLow;

    /// <summary>0 at <see cref="PriceLow"/>, 1 at <see cref="PriceHigh"/>; outside [0, 1] when price broke out of the range.</summary>
    public double NormalizePrice(double price) => (price - PriceLow) / PriceRange;

    /// <summary>A price distance in units of the range.</summary>
    public double NormalizeDistance(double distance) => distance / PriceRange;

    public double NormalizeVolume(double volume) => volume / VolumeMax;
}

/// <summary>PivotBounds of one symbol and timeframe at one bar close: a range per level (null where the level has no range yet).</summary>
public sealed record PivotBounds(string Symbol, Timeframe Timeframe, long AsOfOpenTimeMs, IReadOnlyList<PivotLevelBounds?> Levels)
{
    public PivotLevelBounds? For(int level) => level >= 1 && level <= Levels.Count ? Levels[level - 1] : null;
}

/// <summary>What one pivot level says now: trend, last pivots, nearest support and resistance around a price, bounds.</summary>
public sealed record PivotLevelSummary(
    int Level,
    Trend Trend,
    PivotPoint? LastHigh,
    PivotPoint? LastLow,
    double? Support,
    double? Resistance,
    PivotLevelBounds? Bounds);
