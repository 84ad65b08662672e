using System.Globalization;
using System.Text;
using TradingDashboard.Core.Exchanges;

namespace TradingDashboard.Tests.Exchanges;

public class Utf8DecimalTests
{
    [Theory]
    [InlineData("61837.63000000")]
    [InlineData("0.00200000")]
    [InlineData("0.1")]
    [InlineData("2683.8")]
    [InlineData("-5.25")]
    [InlineData("00012.50")]
    [InlineData("1.")]
    [InlineData("9007199254740992")] // 2^53: still exact
    [InlineData("9007199254740993")] // 2^53 + 1: fallback path
    [InlineData("123456789012345.678")]
    [InlineData("0.0000000000000000000000001")]
    [InlineData("1e5")]
    [InlineData("1.5E-3")]
    [InlineData("99999999999999999999999")]
    public void Parses_like_double_Parse(string text)
    {
        Assert.True(Utf8Decimal.TryParse(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("abc")]
    [InlineData("12.5x")]
    [InlineData("1.2.3")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData(" 1")]
    public void Rejects_what_is_not_a_finite_number(string text) =>
        Assert.False(Utf8Decimal.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Random_decimal_strings_give_the_same_double_as_double_Parse()
    {
        var random = new Random(20240808);
        for (var n = 0; n < 200_000; n++)
        {
            var intDigits = random.Next(0, 12);
            var fracDigits = random.Next(0, 12);
            var sb = new StringBuilder();
            for (var i = 0; i < intDigits; i++)
            {
                sb.Append((char)('0' + random.Next(10)));
            }

            if (intDigits == 0)
            {
                sb.Append('0');
            }

            if (fracDigits > 0)
            {
                sb.Append('.');
                for (var i = 0; i < fracDigits; i++)
                {
                    sb.Append((char)('0' + random.Next(10)));
                }
            }

            var text = sb.ToString();
            Assert.True(Utf8Decimal.TryParse(Encoding.ASCII.GetBytes(text), out var value), text);
            Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
        }
    }
}
