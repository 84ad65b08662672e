using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Features;

/// <summary>
/// Model input for the primary symbol at the close of one anchor bar: <see cref="Values"/> laid out as the schema's shape
/// [symbols, timeframes, window, features] (bars oldest first), and <see cref="Mask"/> of the same shape (1 valid,
/// 0 not valid; a masked value is 0). No value is NaN or infinite. Treat the arrays as read-only.
/// </summary>
public sealed record FeatureFrame(
    string Symbol,
    long AnchorOpenTimeMs,
    Timeframe AnchorTimeframe,
    string SchemaHash,
    float[] Values,
    byte[] Mask,
    IReadOnlyList<bool> BlockPresent)
{
    /// <summary>The frame's time: the anchor bar's close (open + interval); only data closed by then is in it.</summary>
    public long AsOfMs => AnchorOpenTimeMs + AnchorTimeframe.DurationMs();
}

/// <summary>Why a frame was not built.</summary>
public enum FrameSkipReason
{
    /// <summary>A required block has fewer bars than the window, or no PivotBounds yet at the normalization level.</summary>
    Warmup,

    /// <summary>A required timeframe of the primary symbol misses its latest bar or has a hole inside the window.</summary>
    Gap,

    /// <summary>A reference symbol has not closed the bar the frame needs (it lags, or has no data there).</summary>
    StaleReference,
}

/// <summary>Frames built and skipped so far (the design's "state quality monitoring").</summary>
/// <param name="MaskedOptionalBlocks">Optional blocks (e.g. 1s) masked out of frames that were built.</param>
public sealed record FrameCounts(long Built, long SkippedWarmup, long SkippedGap, long SkippedStaleReference, long MaskedOptionalBlocks)
{
    public static FrameCounts Zero { get; } = new(0, 0, 0, 0, 0);

    public long Skipped => SkippedWarmup + SkippedGap + SkippedStaleReference;
}

/// <summary>The outcome for one anchor bar: a frame, or the reason it was skipped.</summary>
public readonly record struct FrameOutcome(long AnchorOpenTimeMs, FeatureFrame? Frame, FrameSkipReason? Skipped);
