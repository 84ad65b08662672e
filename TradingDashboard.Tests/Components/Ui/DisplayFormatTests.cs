using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components.Ui;

public sealed class DisplayFormatTests
{
    [Theory]
    [InlineData(64123.456, "64,123.46")]
    [InlineData(3456.7, "3,456.70")]
    [InlineData(1.23456789, "1.2346")]
    [InlineData(12.5, "12.50")]
    [InlineData(0.000123456, "0.00012346")]
    [InlineData(0.5, "0.5000")]
    [InlineData(null, "—")]
    [InlineData(double.NaN, "—")]
    public void Price_precision_follows_magnitude(double? price, string expected) => Assert.Equal(expected, DisplayFormat.Price(price));

    [Theory]
    [InlineData(0.025, "+2.50 %")]
    [InlineData(-0.00314, "-0.31 %")]
    [InlineData(0.0, "+0.00 %")]
    [InlineData(null, "—")]
    public void Percent_is_signed(double? value, string expected) => Assert.Equal(expected, DisplayFormat.Percent(value));

    [Theory]
    [InlineData(950.0, "950")]
    [InlineData(12_345.0, "12.35K")]
    [InlineData(4_200_000.0, "4.20M")]
    [InlineData(1_030_000_000.0, "1.03B")]
    [InlineData(0.12345, "0.1235")]
    public void Volume_is_compact(double value, string expected) => Assert.Equal(expected, DisplayFormat.Volume(value));

    [Fact]
    public void Times_are_utc()
    {
        var time = new DateTimeOffset(2024, 5, 1, 16, 3, 7, 250, TimeSpan.FromHours(2));

        Assert.Equal("14:03:07", DisplayFormat.Time(time));
        Assert.Equal("2024-05-01 14:03:07 UTC", DisplayFormat.DateTime(time));
        Assert.Equal("2024-05-01T14:03:07.250Z", DisplayFormat.Iso(time));
        Assert.Equal("—", DisplayFormat.Time(null));
    }

    [Theory]
    [InlineData(1.0, "td-up")]
    [InlineData(-1.0, "td-down")]
    [InlineData(0.0, "td-flat")]
    [InlineData(null, "td-flat")]
    public void Change_class_is_green_up_red_down(double? change, string expected) => Assert.Equal(expected, DisplayFormat.ChangeClass(change));
}
