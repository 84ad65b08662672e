using System.Security.Cryptography;
using System.Runtime.InteropServices;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Trainer.Datasets;

/// <summary>
/// Feature frames with their pivot labels, in time order: frame i is <see cref="Frame"/>(i) (FeatureSchema.Length values,
/// layout [symbols, timeframes, window, features]); its label for timeframe index t (schema order) is
/// <see cref="Label"/>(i, t): 0 none, 1 high, 2 low, or -1 unknown (no data to say; excluded from loss and metrics).
/// </summary>
public sealed class PivotDataset
{
    private readonly float[] _values;
    private readonly sbyte[] _labels;
    private readonly long[] _anchorOpenTimes;
    private readonly int _offset;

    public PivotDataset(FeatureSchema schema, PivotLabelSettings labelSettings, float[] values, sbyte[] labels, long[] anchorOpenTimes)
        : this(schema, labelSettings, values, labels, anchorOpenTimes, 0, anchorOpenTimes.Length)
    {
    }

    private PivotDataset(FeatureSchema schema, PivotLabelSettings labelSettings, float[] values, sbyte[] labels, long[] anchorOpenTimes, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(labelSettings);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(anchorOpenTimes);
        if (values.Length < (long)(offset + count) * schema.Length || labels.Length < (offset + count) * schema.Timeframes.Count || anchorOpenTimes.Length < offset + count)
        {
            throw new ArgumentException("Values, labels and times do not hold the stated number of frames.");
        }

        Schema = schema;
        LabelSettings = labelSettings;
        _values = values;
        _labels = labels;
        _anchorOpenTimes = anchorOpenTimes;
        _offset = offset;
        Count = count;
    }

    public FeatureSchema Schema { get; }

    /// <summary>Where the frames came from and what was skipped (not part of the data hash).</summary>
    public PivotDatasetInfo Info { get; init; } = PivotDatasetInfo.Empty;

    /// <summary>The same data with other <see cref="Info"/>.</summary>
    public PivotDataset WithInfo(PivotDatasetInfo info) => new(Schema, LabelSettings, _values, _labels, _anchorOpenTimes, _offset, Count) { Info = info };

    public PivotLabelSettings LabelSettings { get; }

    public int Count { get; }

    public int FrameLength => Schema.Length;

    public IReadOnlyList<Timeframe> Timeframes => Schema.Timeframes;

    public ReadOnlySpan<float> Frame(int index) => _values.AsSpan((_offset + Check(index)) * Schema.Length, Schema.Length);

    /// <summary>Frames [start, start + count) back to back.</summary>
    public ReadOnlySpan<float> Frames(int start, int count) => _values.AsSpan((_offset + start) * Schema.Length, count * Schema.Length);

    public sbyte Label(int index, int timeframeIndex) => _labels[((_offset + Check(index)) * Schema.Timeframes.Count) + timeframeIndex];

    public long AnchorOpenTimeMs(int index) => _anchorOpenTimes[_offset + Check(index)];

    public long AsOfMs(int index) => AnchorOpenTimeMs(index) + Schema.Settings.AnchorTimeframe.DurationMs();

    /// <summary>A view of frames [start, start + count), sharing memory.</summary>
    public PivotDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + count}) is outside [0, {Count}).");
        }

        return new PivotDataset(Schema, LabelSettings, _values, _labels, _anchorOpenTimes, _offset + start, count) { Info = Info };
    }

    /// <summary>
    /// Chronological split: the first <paramref name="trainFraction"/> of frames train, the next
    /// <paramref name="validationFraction"/> validate, the rest test; no shuffling across time. <paramref name="gapFrames"/>
    /// frames are dropped at each boundary so a label horizon of one split never reaches into the next.
    /// </summary>
    public (PivotDataset Train, PivotDataset Validation, PivotDataset Test) SplitChronological(double trainFraction = 0.7, double validationFraction = 0.15, int gapFrames = 0)
    {
        if (trainFraction <= 0 || validationFraction < 0 || trainFraction + validationFraction > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), "Fractions must be positive and sum to at most 1.");
        }

        var trainEnd = (int)(Count * trainFraction);
        var validationEnd = (int)(Count * (trainFraction + validationFraction));
        var train = Slice(0, Math.Max(0, trainEnd - gapFrames));
        var validationStart = Math.Min(trainEnd, Count);
        var validation = Slice(validationStart, Math.Max(0, validationEnd - gapFrames - validationStart));
        var test = Slice(Math.Min(validationEnd, Count), Count - Math.Min(validationEnd, Count));
        return (train, validation, test);
    }

    /// <summary>Labels of every frame for one timeframe index (a copy).</summary>
    public sbyte[] LabelsFor(int timeframeIndex)
    {
        var result = new sbyte[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = Label(i, timeframeIndex);
        }

        return result;
    }

    /// <summary>SHA-256 (hex) over the frames' values, labels and times: names the exact training data in a model card.</summary>
    public string Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(Frames(0, Count)));
        hash.AppendData(MemoryMarshal.AsBytes(_labels.AsSpan(_offset * Schema.Timeframes.Count, Count * Schema.Timeframes.Count)));
        hash.AppendData(MemoryMarshal.AsBytes(_anchorOpenTimes.AsSpan(_offset, Count)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private int Check(int index) => (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"Frame index outside [0, {Count}).");
}

/// <summary>Provenance of a dataset: source, frame span, the processor's frame counts, stride and notes (e.g. missing 1s history).</summary>
public sealed record PivotDatasetInfo(string? Source, long? FirstAnchorOpenTimeMs, long? LastAnchorOpenTimeMs, FrameCounts Frames, int Stride, IReadOnlyList<string> Notes)
{
    public static PivotDatasetInfo Empty { get; } = new(null, null, null, FrameCounts.Zero, 1, []);
}
