using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Features;

/// <summary>How a raw per-bar value becomes a model input (see docs/features.md). Every result is then clipped to ±ClipValue.</summary>
public enum FeatureNormalization
{
    /// <summary>(x − PriceLow) / (PriceHigh − PriceLow) of the block's PivotBounds.</summary>
    PriceLevel,

    /// <summary>x / (PriceHigh − PriceLow): a price difference in units of the pivot range.</summary>
    PriceDistance,

    /// <summary>x / VolumeMax of the block's PivotBounds.</summary>
    Volume,

    /// <summary>(x − x at the window's last bar) / (VolumeMax · window length): a cumulative volume (OBV) relative to now.</summary>
    VolumeDelta,

    /// <summary>x · Scale, a fixed factor (oscillators in 0..100 use 0.01).</summary>
    Scaled,
}

/// <summary>One per-bar feature: its name, where its raw value comes from, and how it is normalized.</summary>
public sealed record FeatureDefinition(string Name, FeatureNormalization Normalization, double Scale = 1.0)
{
    /// <summary>The feature for an indicator output column, by its name prefix.</summary>
    public static FeatureDefinition ForIndicatorColumn(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var kind = column.Split('_')[0];
        return kind switch
        {
            "sma" or "ema" or "wma" or "bb" or "vwap" => new(column, FeatureNormalization.PriceLevel),
            "macd" or "atr" or "stddev" => new(column, FeatureNormalization.PriceDistance),
            "rsi" or "stoch" or "mfi" or "adx" or "plus" or "minus" or "willr" or "cci" => new(column, FeatureNormalization.Scaled, 0.01),
            "roc" => new(column, FeatureNormalization.Scaled, 0.1),
            "obv" => new(column, FeatureNormalization.VolumeDelta),
            _ => throw new ArgumentException($"No feature normalization is defined for indicator column '{column}'.", nameof(column)),
        };
    }
}

/// <summary>What a feature frame is built from; the schema (and its hash) is derived from it.</summary>
public sealed record FeatureSettings
{
    /// <summary>Symbols of the frame: the primary (traded) symbol first, then the reference symbol(s).</summary>
    public required IReadOnlyList<string> Symbols { get; init; }

    /// <summary>Timeframe blocks, in tensor order.</summary>
    public required IReadOnlyList<Timeframe> Timeframes { get; init; }

    /// <summary>Timeframes whose block is masked instead of skipping the frame when it is absent, short or gapped (1s: no 1s history exists).</summary>
    public IReadOnlyList<Timeframe> OptionalTimeframes { get; init; } = [Timeframe.OneSecond];

    /// <summary>A frame is built at each close of this timeframe's bar of the primary symbol.</summary>
    public Timeframe AnchorTimeframe { get; init; } = Timeframe.OneMinute;

    /// <summary>Bars per block, oldest first.</summary>
    public int WindowLength { get; init; } = 32;

    public IReadOnlyList<IndicatorSpec> Indicators { get; init; } = IndicatorSpec.Defaults;

    /// <summary>The pivot level whose PivotBounds scale prices and volumes.</summary>
    public int NormalizationLevel { get; init; } = 2;

    public double ClipValue { get; init; } = 10.0;

    public PivotSettings Pivots { get; init; } = PivotSettings.Default;

    public string PrimarySymbol => Symbols[0];

    public void Validate()
    {
        if (Symbols.Count is < 1 or > 4 || Symbols.Distinct(StringComparer.Ordinal).Count() != Symbols.Count)
        {
            throw new ArgumentException("Features need one to four distinct symbols (primary first).");
        }

        if (Timeframes.Count == 0 || Timeframes.Distinct().Count() != Timeframes.Count)
        {
            throw new ArgumentException("Features need at least one timeframe, each once.");
        }

        if (!Timeframes.Contains(AnchorTimeframe) || OptionalTimeframes.Contains(AnchorTimeframe))
        {
            throw new ArgumentException($"The anchor timeframe {AnchorTimeframe.ToCode()} must be one of the feature timeframes and not optional.");
        }

        if (WindowLength is < 1 or > 4096)
        {
            throw new ArgumentException("The window length must be from 1 to 4096 bars.");
        }

        if (NormalizationLevel is < 1 or > PivotSettings.Levels)
        {
            throw new ArgumentException($"The normalization level must be from 1 to {PivotSettings.Levels}.");
        }

        if (!double.IsFinite(ClipValue) || ClipValue <= 0)
        {
            throw new ArgumentException("The clip value must be a positive number.");
        }

        Pivots.Validate();
    }
}

/// <summary>
/// The versioned layout of a feature frame: symbols, timeframes, window, per-bar features in order with their
/// normalization, the tensor shape [symbols, timeframes, window, features], and a SHA-256 hash of all of it. A model
/// records the hash it was trained with; the host refuses a model whose hash differs.
/// </summary>
public sealed class FeatureSchema
{
    /// <summary>Bumped whenever the code changes how a feature is computed or laid out (the hash includes it).</summary>
    public const int CodeVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Dictionary<string, int> _featureIndex;

    public FeatureSchema(FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;

        var features = new List<FeatureDefinition>
        {
            new("open", FeatureNormalization.PriceLevel),
            new("high", FeatureNormalization.PriceLevel),
            new("low", FeatureNormalization.PriceLevel),
            new("close", FeatureNormalization.PriceLevel),
            new("volume", FeatureNormalization.Volume),
        };
        IndicatorColumns = new IndicatorSet(settings.Indicators).Columns;
        features.AddRange(IndicatorColumns.Select(FeatureDefinition.ForIndicatorColumn));
        for (var level = 1; level <= PivotSettings.Levels; level++)
        {
            features.Add(new($"pivot_high_distance_l{level}", FeatureNormalization.PriceDistance));
            features.Add(new($"pivot_low_distance_l{level}", FeatureNormalization.PriceDistance));
            features.Add(new($"trend_l{level}", FeatureNormalization.Scaled, 1.0));
        }

        Features = features;
        _featureIndex = features.Select((f, i) => (f.Name, i)).ToDictionary(t => t.Name, t => t.i, StringComparer.Ordinal);
        Shape = [settings.Symbols.Count, settings.Timeframes.Count, settings.WindowLength, features.Count];
        Json = JsonSerializer.Serialize(Describe(hash: null), JsonOptions);
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Json)));
    }

    public FeatureSettings Settings { get; }

    public IReadOnlyList<string> Symbols => Settings.Symbols;

    public IReadOnlyList<Timeframe> Timeframes => Settings.Timeframes;

    public int WindowLength => Settings.WindowLength;

    /// <summary>Per-bar features, in the order of the last tensor dimension.</summary>
    public IReadOnlyList<FeatureDefinition> Features { get; }

    /// <summary>The indicator output columns that feed features, in feature order.</summary>
    public IReadOnlyList<string> IndicatorColumns { get; }

    public int FeatureCount => Features.Count;

    /// <summary>[symbols, timeframes, window, features].</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Values per frame: the product of <see cref="Shape"/>.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);

    public int BlockLength => WindowLength * FeatureCount;

    /// <summary>SHA-256 (lower-case hex) of the canonical JSON description without the hash.</summary>
    public string Hash { get; }

    /// <summary>Canonical JSON description (what the hash covers).</summary>
    public string Json { get; }

    public int IndexOfFeature(string name) => _featureIndex.TryGetValue(name, out var i) ? i : -1;

    /// <summary>Offset of one block (symbol, timeframe) in a frame's flat arrays.</summary>
    public int BlockOffset(int symbolIndex, int timeframeIndex) => ((symbolIndex * Timeframes.Count) + timeframeIndex) * BlockLength;

    /// <summary>The schema as written beside exported frames: the description plus its hash.</summary>
    public string ToJsonWithHash() => JsonSerializer.Serialize(Describe(Hash), JsonOptions);

    private object Describe(string? hash) => new
    {
        schema = "TradingDashboard.FeatureFrame",
        codeVersion = CodeVersion,
        hash,
        layout = "values[symbol][timeframe][bar][feature], bars oldest first; mask has the same shape (1 = valid, 0 = not valid, value 0)",
        shape = Shape,
        symbols = Settings.Symbols.Select((s, i) => new { name = s, role = i == 0 ? "primary" : "reference" }),
        timeframes = Settings.Timeframes.Select(tf => new { code = tf.ToCode(), optional = Settings.OptionalTimeframes.Contains(tf) }),
        anchorTimeframe = Settings.AnchorTimeframe.ToCode(),
        windowLength = Settings.WindowLength,
        indicators = Settings.Indicators.Select(s => s.Name),
        features = Features.Select(f => new
        {
            name = f.Name,
            normalization = f.Normalization.ToString(),
            scale = f.Normalization == FeatureNormalization.Scaled ? f.Scale.ToString("R", CultureInfo.InvariantCulture) : null,
        }),
        normalization = new
        {
            boundsLevel = Settings.NormalizationLevel,
            clip = Settings.ClipValue.ToString("R", CultureInfo.InvariantCulture),
            priceLevel = "(x - PriceLow) / (PriceHigh - PriceLow), PivotBounds of the block at its last bar",
            priceDistance = "x / (PriceHigh - PriceLow)",
            volume = "x / VolumeMax",
            volumeDelta = "(x - x[last bar]) / (VolumeMax * windowLength)",
            scaled = "x * scale",
            trend = "trend_lK: +1 up, -1 down, 0 sideways, masked when unknown",
            pivotDistance = "pivot_*_distance_lK: close - last confirmed pivot price of level K (as of that bar)",
        },
        pivots = new
        {
            strength = Settings.Pivots.Strength,
            higherLevelStrength = Settings.Pivots.HigherLevelStrength,
            volumeLookbackBars = Settings.Pivots.VolumeLookbackBars,
        },
    };
}
