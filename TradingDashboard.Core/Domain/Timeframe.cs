namespace TradingDashboard.Core.Domain;

/// <summary>The candle intervals the system aggregates and analyses.</summary>
public enum Timeframe
{
    OneSecond,
    OneMinute,
    OneHour,
    OneDay,
}

public static class TimeframeExtensions
{
    public static readonly IReadOnlyList<Timeframe> All = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay];

    public static long DurationMs(this Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneSecond => 1_000L,
        Timeframe.OneMinute => 60_000L,
        Timeframe.OneHour => 3_600_000L,
        Timeframe.OneDay => 86_400_000L,
        _ => throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe."),
    };

    /// <summary>The short code used in settings, the API and file names: 1s, 1m, 1h, 1d.</summary>
    public static string ToCode(this Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneSecond => "1s",
        Timeframe.OneMinute => "1m",
        Timeframe.OneHour => "1h",
        Timeframe.OneDay => "1d",
        _ => throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe."),
    };

    /// <summary>Start of the candle that contains <paramref name="timeMs"/> (Unix ms, UTC).</summary>
    public static long BucketStart(this Timeframe timeframe, long timeMs)
    {
        var duration = timeframe.DurationMs();
        var rem = timeMs % duration;
        if (rem < 0)
        {
            rem += duration;
        }

        return timeMs - rem;
    }

    public static bool TryParse(string? code, out Timeframe timeframe)
    {
        switch (code?.Trim())
        {
            case "1s": timeframe = Timeframe.OneSecond; return true;
            case "1m": timeframe = Timeframe.OneMinute; return true;
            case "1h": case "60m": timeframe = Timeframe.OneHour; return true;
            case "1d": case "1D": timeframe = Timeframe.OneDay; return true;
            default: timeframe = default; return false;
        }
    }

    public static Timeframe Parse(string code) =>
        TryParse(code, out var tf) ? tf : throw new FormatException($"Unknown timeframe '{code}'. Expected one of 1s, 1m, 1h, 1d.");
}
