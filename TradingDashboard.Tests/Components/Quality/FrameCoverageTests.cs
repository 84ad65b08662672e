using TradingDashboard.Components.Pages.Quality;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;

namespace TradingDashboard.Tests.Components.Quality;

public sealed class FrameCoverageTests
{
    [Fact]
    public void Counts_the_ones_of_the_mask_per_block_in_schema_order()
    {
        // One symbol, 1m and 1h, 3 bars of 5 + 1 + 15 = 21 features: blocks of 63.
        var schema = new FeatureSchema(new FeatureSettings
        {
            Symbols = ["BTCUSDT"],
            Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
            OptionalTimeframes = [Timeframe.OneHour],
            WindowLength = 3,
            Indicators = [IndicatorSpec.Parse("ema_3")],
        });
        var mask = new byte[schema.Length];
        // Every other value of the 1m block (32 of 63), nothing of the 1h block.
        for (var i = 0; i < 63; i += 2)
        {
            mask[i] = 1;
        }

        var frame = new FeatureFrame("BTCUSDT", 0, Timeframe.OneMinute, schema.Hash, new float[schema.Length], mask, [true, false]);

        var coverage = FrameCoverage.Of(frame, schema);

        Assert.Equal((32, 126), (coverage.Valid, coverage.Total));
        Assert.Equal(32.0 / 126, coverage.Fraction);
        Assert.Collection(
            coverage.Blocks,
            b => Assert.Equal(new BlockCoverage("BTCUSDT", Timeframe.OneMinute, false, true, 32, 63), b),
            b => Assert.Equal(new BlockCoverage("BTCUSDT", Timeframe.OneHour, true, false, 0, 63), b));
    }
}
