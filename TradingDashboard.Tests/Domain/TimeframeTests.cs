using TradingDashboard.Core.Domain;

namespace TradingDashboard.Tests.Domain;

public class TimeframeTests
{
    [Theory]
    [InlineData("1s", 1_000L)]
    [InlineData("1m", 60_000L)]
    [InlineData("1h", 3_600_000L)]
    [InlineData("1d", 86_400_000L)]
    public void Parse_gives_the_interval_length(string code, long expectedMs)
    {
        var tf = TimeframeExtensions.Parse(code);
        Assert.Equal(expectedMs, tf.DurationMs());
        Assert.Equal(code, tf.ToCode());
    }

    [Fact]
    public void BucketStart_floors_to_the_interval()
    {
        // 2024-08-08 23:54:13.456 UTC
        const long t = 1723161253456;
        Assert.Equal(1723161240000, Timeframe.OneMinute.BucketStart(t));
        Assert.Equal(1723161253000, Timeframe.OneSecond.BucketStart(t));
        Assert.Equal(1723158000000, Timeframe.OneHour.BucketStart(t));
        Assert.Equal(1723075200000, Timeframe.OneDay.BucketStart(t));
    }

    [Fact]
    public void Unknown_code_is_refused()
    {
        Assert.False(TimeframeExtensions.TryParse("5m", out _));
        Assert.Throws<FormatException>(() => TimeframeExtensions.Parse("5m"));
    }
}
