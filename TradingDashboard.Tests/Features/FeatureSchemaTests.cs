using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;

namespace TradingDashboard.Tests.Features;

public class FeatureSchemaTests
{
    private static FeatureSettings Base() => new()
    {
        Symbols = ["ETHUSDT", "BTCUSDT"],
        Timeframes = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay],
    };

    [Fact]
    public void Layout_lists_ohlcv_then_indicators_then_pivot_context()
    {
        var schema = new FeatureSchema(Base());
        var names = schema.Features.Select(f => f.Name).ToList();
        Assert.Equal(["open", "high", "low", "close", "volume"], names.Take(5));
        Assert.Equal(IndicatorSet.CreateDefault().Columns, names.Skip(5).Take(23));
        Assert.Equal(["pivot_high_distance_l1", "pivot_low_distance_l1", "trend_l1"], names.Skip(28).Take(3));
        Assert.Equal("trend_l5", names[^1]);
        Assert.Equal([2, 4, 32, 43], schema.Shape);
        Assert.Equal(2 * 4 * 32 * 43, schema.Length);
        Assert.Equal(FeatureNormalization.PriceLevel, schema.Features[schema.IndexOfFeature("bb_upper_20_2")].Normalization);
        Assert.Equal(FeatureNormalization.PriceDistance, schema.Features[schema.IndexOfFeature("macd_hist_12_26_9")].Normalization);
        Assert.Equal(0.01, schema.Features[schema.IndexOfFeature("minus_di_14")].Scale);
        Assert.Equal(FeatureNormalization.VolumeDelta, schema.Features[schema.IndexOfFeature("obv")].Normalization);
    }

    [Fact]
    public void Hash_is_a_sha256_of_the_description_and_changes_with_any_setting()
    {
        var a = new FeatureSchema(Base());
        var b = new FeatureSchema(Base());
        Assert.Equal(a.Hash, b.Hash);
        Assert.Matches("^[0-9a-f]{64}$", a.Hash);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(a.Json))), a.Hash);
        Assert.Contains(a.Hash, a.ToJsonWithHash(), StringComparison.Ordinal);

        var variants = new[]
        {
            Base() with { WindowLength = 33 },
            Base() with { Symbols = ["BTCUSDT", "ETHUSDT"] },
            Base() with { NormalizationLevel = 3 },
            Base() with { ClipValue = 5 },
            Base() with { Indicators = [IndicatorSpec.Parse("rsi_14")] },
            Base() with { Pivots = new Core.Pivots.PivotSettings(Strength: 3) },
            Base() with { OptionalTimeframes = [] },
        };
        var hashes = variants.Select(v => new FeatureSchema(v).Hash).Append(a.Hash).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new FeatureSchema(Base() with { AnchorTimeframe = Timeframe.OneSecond }));
        Assert.Throws<ArgumentException>(() => new FeatureSchema(Base() with { WindowLength = 0 }));
        Assert.Throws<ArgumentException>(() => new FeatureSchema(Base() with { Symbols = [] }));
        Assert.Throws<ArgumentException>(() => FeatureDefinition.ForIndicatorColumn("mystery_3"));
    }
}
