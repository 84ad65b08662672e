using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Features;

/// <summary>
/// Builds feature frames from the <see cref="FeatureSeries"/> of every (symbol, timeframe) in the schema, at each close
/// of the primary symbol's anchor bar. The same code serves live processing and batch export: bars are fed as they
/// close, in any order between series, and a frame for time T is built once every required series has closed its bar
/// for T, or, at the latest, when the primary's next anchor bar closes or any bar opens after it should have (then
/// whatever is missing makes it skipped or masked).
/// Not thread-safe: one builder, fed by one thread.
/// </summary>
public sealed class FeatureFrameBuilder
{
    private readonly FeatureSchema _schema;
    private readonly FeatureSeries?[] _series;
    private readonly bool[] _optional;
    private readonly double[] _offsets;
    private readonly double[] _scales;
    private readonly long _anchorMs;
    private long? _pending;
    private long _built;
    private long _skippedWarmup;
    private long _skippedGap;
    private long _skippedStale;
    private long _masked;

    public FeatureFrameBuilder(FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _schema = schema;
        _series = new FeatureSeries?[schema.Symbols.Count * schema.Timeframes.Count];
        _optional = schema.Timeframes.Select(tf => schema.Settings.OptionalTimeframes.Contains(tf)).ToArray();
        _offsets = new double[schema.FeatureCount];
        _scales = new double[schema.FeatureCount];
        _anchorMs = schema.Settings.AnchorTimeframe.DurationMs();
    }

    public FeatureSchema Schema => _schema;

    /// <summary>Anchor bars opening before this time are passed over without building or counting (batch export ranges).</summary>
    public long StartAtMs { get; set; } = long.MinValue;

    public FrameCounts Counts => new(_built, _skippedWarmup, _skippedGap, _skippedStale, _masked);

    /// <summary>The anchor open time of the frame waiting for its last pieces, if any.</summary>
    public long? PendingAnchorOpenTimeMs => _pending;

    /// <summary>Registers the series of one block. Every (symbol, timeframe) of the schema must be registered before frames can be built.</summary>
    public void Register(FeatureSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var index = BlockIndex(series.Symbol, series.Timeframe);
        if (index < 0)
        {
            throw new ArgumentException($"{series.Symbol} {series.Timeframe.ToCode()} is not part of the feature schema.", nameof(series));
        }

        _series[index] = series;
    }

    public bool Covers(string symbol, Timeframe timeframe) => BlockIndex(symbol, timeframe) >= 0;

    /// <summary>
    /// Tells the builder that a row was appended to the series of (<paramref name="symbol"/>, <paramref name="timeframe"/>).
    /// Frames (or skips) that this completes are added to <paramref name="outcomes"/>.
    /// </summary>
    public void OnBarAppended(string symbol, Timeframe timeframe, long openTimeMs, List<FrameOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);

        // A bar that opened after the primary's next anchor bar should have closed means the frame has waited long enough
        // (the primary may have stopped); waiting longer would let the rings overwrite the rows the frame needs.
        if (_pending is { } waited && openTimeMs >= waited + (2 * _anchorMs))
        {
            Finalize(waited, outcomes);
        }

        if (symbol == _schema.Settings.PrimarySymbol && timeframe == _schema.Settings.AnchorTimeframe)
        {
            if (_pending is { } previous && previous < openTimeMs)
            {
                Finalize(previous, outcomes);
            }

            _pending = openTimeMs;
        }

        if (_pending is { } anchor && IsComplete(anchor))
        {
            Finalize(anchor, outcomes);
        }
    }

    /// <summary>Builds or skips the pending frame now (end of a batch, or shutdown).</summary>
    public void Flush(List<FrameOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (_pending is { } anchor)
        {
            Finalize(anchor, outcomes);
        }
    }

    /// <summary>
    /// Builds the frame for the anchor bar opening at <paramref name="anchorOpenTimeMs"/> into caller-owned spans (length
    /// <see cref="FeatureSchema.Length"/>), from rows of bars closed by then. Returns null when built, else the skip reason.
    /// Does not touch the counters. <paramref name="blockPresent"/> (one per block) tells which blocks hold data.
    /// </summary>
    public FrameSkipReason? BuildInto(long anchorOpenTimeMs, Span<float> values, Span<byte> mask, Span<bool> blockPresent, out int maskedBlocks)
    {
        var length = _schema.Length;
        if (values.Length < length || mask.Length < length || blockPresent.Length < _series.Length)
        {
            throw new ArgumentException("The spans are shorter than the schema's frame length.");
        }

        maskedBlocks = 0;
        var asOf = anchorOpenTimeMs + _anchorMs;
        FrameSkipReason? worst = null;
        var symbols = _schema.Symbols.Count;
        var timeframes = _schema.Timeframes.Count;

        // First pass: locate every block and decide skip / mask before writing anything.
        Span<int> newest = stackalloc int[_series.Length];
        for (var s = 0; s < symbols; s++)
        {
            for (var t = 0; t < timeframes; t++)
            {
                var b = (s * timeframes) + t;
                var status = Locate(_series[b], asOf, out newest[b]);
                blockPresent[b] = status is null;
                if (status is null)
                {
                    continue;
                }

                if (_optional[t])
                {
                    maskedBlocks++;
                    continue;
                }

                var reason = status switch
                {
                    // A reference with no bar yet at all is warming up; one that has bars but not this one lags.
                    BlockStatus.LatestMissing when s > 0 => FrameSkipReason.StaleReference,
                    BlockStatus.LatestMissing or BlockStatus.Gap => FrameSkipReason.Gap,
                    _ => FrameSkipReason.Warmup,
                };
                if (worst is null || Priority(reason) > Priority(worst.Value))
                {
                    worst = reason;
                }
            }
        }

        if (worst is not null)
        {
            return worst;
        }

        for (var b = 0; b < _series.Length; b++)
        {
            var offset = b * _schema.BlockLength;
            var blockValues = values.Slice(offset, _schema.BlockLength);
            var blockMask = mask.Slice(offset, _schema.BlockLength);
            if (!blockPresent[b])
            {
                blockValues.Clear();
                blockMask.Clear();
                continue;
            }

            WriteBlock(_series[b]!, newest[b], blockValues, blockMask);
        }

        return null;
    }

    private static int Priority(FrameSkipReason reason) => reason switch
    {
        FrameSkipReason.StaleReference => 3,
        FrameSkipReason.Gap => 2,
        _ => 1,
    };

    private enum BlockStatus
    {
        Absent,
        LatestMissing,
        Warmup,
        Gap,
        NoBounds,
    }

    /// <summary>Finds the newest row closed by <paramref name="asOf"/> and checks the window ending there; null when usable.</summary>
    private BlockStatus? Locate(FeatureSeries? series, long asOf, out int newestAge)
    {
        newestAge = -1;
        if (series is null || series.Count == 0)
        {
            return BlockStatus.Absent;
        }

        var duration = series.DurationMs;
        var expectedOpen = (asOf / duration * duration) - duration;
        var kept = series.Kept;
        var age = 0;
        while (age < kept && series.OpenTimeAt(age) > expectedOpen)
        {
            age++;
        }

        if (age >= kept)
        {
            return series.Count > kept ? BlockStatus.Gap : BlockStatus.Warmup;
        }

        if (series.OpenTimeAt(age) != expectedOpen)
        {
            return BlockStatus.LatestMissing;
        }

        var window = _schema.WindowLength;
        if (kept - age < window)
        {
            return BlockStatus.Warmup;
        }

        if (series.OpenTimeAt(age + window - 1) != expectedOpen - ((window - 1) * duration))
        {
            return BlockStatus.Gap;
        }

        var row = series.RowAt(age);
        var f = _schema.FeatureCount;
        if (!double.IsFinite(row[f]) || !double.IsFinite(row[f + 1]) || !(row[f + 2] > 0) || !(row[f + 1] > row[f]))
        {
            return BlockStatus.NoBounds;
        }

        newestAge = age;
        return null;
    }

    private void WriteBlock(FeatureSeries series, int newestAge, Span<float> values, Span<byte> mask)
    {
        var f = _schema.FeatureCount;
        var window = _schema.WindowLength;
        var last = series.RowAt(newestAge);
        var priceLow = last[f];
        var inverseRange = 1.0 / (last[f + 1] - priceLow);
        var inverseVolume = 1.0 / last[f + 2];
        var features = _schema.Features;
        for (var i = 0; i < f; i++)
        {
            var definition = features[i];
            (_offsets[i], _scales[i]) = definition.Normalization switch
            {
                FeatureNormalization.PriceLevel => (priceLow, inverseRange),
                FeatureNormalization.PriceDistance => (0.0, inverseRange),
                FeatureNormalization.Volume => (0.0, inverseVolume),
                FeatureNormalization.VolumeDelta => (last[i], inverseVolume / window),
                _ => (0.0, definition.Scale),
            };
        }

        var clip = _schema.Settings.ClipValue;
        var offsets = _offsets;
        var scales = _scales;
        var rows = series.Rows;
        var stride = series.Stride;
        var capacity = series.Capacity;

        // Oldest first: walk the ring from the slot window-1 bars before the newest, wrapping once at most.
        var slot = series.SlotOf(newestAge) - (window - 1);
        if (slot < 0)
        {
            slot += capacity;
        }

        var output = 0;
        var low = Vector256.Create(-clip);
        var high = Vector256.Create(clip);
        ref var maskBits = ref MemoryMarshal.GetReference(MaskBytes);
        for (var bar = 0; bar < window; bar++)
        {
            var rowStart = slot * stride;
            var i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // Eight features at a time: two vectors of four doubles, narrowed to eight floats; mask bytes from the sign bits.
                for (; i + 8 <= f; i += 8, output += 8)
                {
                    var x0 = (Vector256.LoadUnsafe(ref rows[rowStart + i]) - Vector256.LoadUnsafe(ref offsets[i])) * Vector256.LoadUnsafe(ref scales[i]);
                    var x1 = (Vector256.LoadUnsafe(ref rows[rowStart + i + 4]) - Vector256.LoadUnsafe(ref offsets[i + 4])) * Vector256.LoadUnsafe(ref scales[i + 4]);
                    var ok0 = Vector256.Equals(x0 - x0, Vector256<double>.Zero);
                    var ok1 = Vector256.Equals(x1 - x1, Vector256<double>.Zero);
                    x0 = Vector256.ConditionalSelect(ok0, Vector256.Min(Vector256.Max(x0, low), high), Vector256<double>.Zero);
                    x1 = Vector256.ConditionalSelect(ok1, Vector256.Min(Vector256.Max(x1, low), high), Vector256<double>.Zero);
                    Vector256.Narrow(x0, x1).StoreUnsafe(ref values[output]);
                    var bits = ok0.ExtractMostSignificantBits() | (ok1.ExtractMostSignificantBits() << 4);
                    Unsafe.WriteUnaligned(ref mask[output], Unsafe.Add(ref maskBits, (int)bits));
                }
            }

            for (; i < f; i++, output++)
            {
                var x = (rows[rowStart + i] - offsets[i]) * scales[i];

                // x − x is 0 for a finite x and NaN for NaN or ±infinity.
                if (x - x == 0)
                {
                    values[output] = (float)(x < -clip ? -clip : x > clip ? clip : x);
                    mask[output] = 1;
                }
                else
                {
                    values[output] = 0f;
                    mask[output] = 0;
                }
            }

            if (++slot == capacity)
            {
                slot = 0;
            }
        }
    }

    /// <summary>For each 8-bit pattern, eight mask bytes (0 or 1) packed in a ulong, little-endian.</summary>
    private static readonly ulong[] MaskBytes = Enumerable.Range(0, 256)
        .Select(bits => Enumerable.Range(0, 8).Aggregate(0UL, (acc, k) => acc | ((ulong)((bits >> k) & 1) << (8 * k))))
        .ToArray();

    private bool IsComplete(long anchorOpenTimeMs)
    {
        var asOf = anchorOpenTimeMs + _anchorMs;
        for (var b = 0; b < _series.Length; b++)
        {
            if (_optional[b % _schema.Timeframes.Count])
            {
                continue;
            }

            var series = _series[b];
            if (series is null)
            {
                return false;
            }

            var duration = series.DurationMs;
            var expectedOpen = (asOf / duration * duration) - duration;
            if (series.LastOpenTimeMs < expectedOpen)
            {
                return false;
            }
        }

        return true;
    }

    private void Finalize(long anchorOpenTimeMs, List<FrameOutcome> outcomes)
    {
        _pending = null;
        if (anchorOpenTimeMs < StartAtMs)
        {
            return;
        }

        var values = new float[_schema.Length];
        var mask = new byte[_schema.Length];
        var present = new bool[_series.Length];
        var skipped = BuildInto(anchorOpenTimeMs, values, mask, present, out var masked);
        switch (skipped)
        {
            case null:
                _built++;
                _masked += masked;
                outcomes.Add(new FrameOutcome(
                    anchorOpenTimeMs,
                    new FeatureFrame(_schema.Settings.PrimarySymbol, anchorOpenTimeMs, _schema.Settings.AnchorTimeframe, _schema.Hash, values, mask, present),
                    null));
                return;
            case FrameSkipReason.Warmup:
                _skippedWarmup++;
                break;
            case FrameSkipReason.Gap:
                _skippedGap++;
                break;
            default:
                _skippedStale++;
                break;
        }

        outcomes.Add(new FrameOutcome(anchorOpenTimeMs, null, skipped));
    }

    private int BlockIndex(string symbol, Timeframe timeframe)
    {
        var s = -1;
        for (var i = 0; i < _schema.Symbols.Count; i++)
        {
            if (_schema.Symbols[i] == symbol)
            {
                s = i;
                break;
            }
        }

        var t = -1;
        for (var i = 0; i < _schema.Timeframes.Count; i++)
        {
            if (_schema.Timeframes[i] == timeframe)
            {
                t = i;
                break;
            }
        }

        return s < 0 || t < 0 ? -1 : (s * _schema.Timeframes.Count) + t;
    }
}
