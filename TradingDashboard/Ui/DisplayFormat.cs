using System.Globalization;

namespace TradingDashboard.Ui;

/// <summary>Number and time formatting shared by the dashboard's pages (invariant culture, UTC).</summary>
public static class DisplayFormat
{
    /// <summary>Shown where a value is unknown; never a made-up number.</summary>
    public const string Missing = "—";

    /// <summary>Price with precision that follows its magnitude: 3,456.78 / 1.2345 / 0.00012345.</summary>
    public static string Price(double? price)
    {
        if (price is not { } p || !double.IsFinite(p))
        {
            return Missing;
        }

        var abs = Math.Abs(p);
        var format = abs >= 1000 ? "#,##0.00" : abs >= 1 ? "#,##0.00##" : "0.0000####";
        return p.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>A percentage value (2.5 means +2.5 %), always signed: +2.50 %, -0.31 %.</summary>
    /// <summary>A fraction (0.025) shown as a signed percentage (+2.50 %), the way SymbolSummary.Change24h is defined.</summary>
    public static string Percent(double? fraction)
    {
        if (fraction is not { } f || !double.IsFinite(f))
        {
            return Missing;
        }

        var p = f * 100;

        return (p >= 0 ? "+" : string.Empty) + p.ToString("0.00", CultureInfo.InvariantCulture) + " %";
    }

    /// <summary>Compact volume: 950, 12.35K, 4.20M, 1.03B.</summary>
    public static string Volume(double? volume)
    {
        if (volume is not { } v || !double.IsFinite(v))
        {
            return Missing;
        }

        var abs = Math.Abs(v);
        return abs switch
        {
            >= 1e9 => (v / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + "B",
            >= 1e6 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M",
            >= 1e4 => (v / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + "K",
            >= 1 => v.ToString("0.##", CultureInfo.InvariantCulture),
            _ => v.ToString("0.####", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Messages per second with one decimal: 0.0, 12.5, 1,234.0.</summary>
    public static string Rate(double perSecond) =>
        double.IsFinite(perSecond) ? perSecond.ToString("#,##0.0", CultureInfo.InvariantCulture) : Missing;

    public static string Count(long count) => count.ToString("#,##0", CultureInfo.InvariantCulture);

    /// <summary>Time of day in UTC: 14:03:07.</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : Missing;

    /// <summary>Date and time in UTC: 2024-05-01 14:03:07 UTC.</summary>
    public static string DateTime(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : Missing;

    /// <summary>ISO 8601 in UTC for data attributes: 2024-05-01T14:03:07.000Z.</summary>
    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>CSS class for a signed change: td-up, td-down or td-flat.</summary>
    public static string ChangeClass(double? change) => change switch
    {
        > 0 => "td-up",
        < 0 => "td-down",
        _ => "td-flat",
    };
}
