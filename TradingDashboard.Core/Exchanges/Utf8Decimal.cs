using System.Buffers.Text;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Parses the plain decimal strings venues send for prices and quantities ("61837.63000000") into a double. Fast path:
/// digits are gathered into an integer mantissa m with k fraction digits; when m &lt;= 2^53 and k &lt;= 22 both m and 10^k
/// are exact doubles, so m / 10^k is one correctly rounded division and equals the correctly rounded decimal (the same
/// double as double.Parse). Anything else (exponents, more digits, odd characters) goes to <see cref="Utf8Parser"/>.
/// </summary>
public static class Utf8Decimal
{
    private const ulong MaxExactMantissa = 1UL << 53;

    private static readonly double[] PowersOf10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>True when all of <paramref name="utf8"/> is a finite number.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out double value)
    {
        var i = 0;
        var negative = false;
        if (utf8.Length > 0 && utf8[0] == (byte)'-')
        {
            negative = true;
            i = 1;
        }

        ulong mantissa = 0;
        var digits = 0;
        var fractionDigits = 0;
        var seenPoint = false;
        var significant = 0;
        for (; i < utf8.Length; i++)
        {
            var c = utf8[i];
            var d = (uint)(c - '0');
            if (d <= 9)
            {
                digits++;
                if (mantissa != 0 || d != 0)
                {
                    significant++;
                }

                if (significant > 19)
                {
                    return Fallback(utf8, out value);
                }

                mantissa = (mantissa * 10) + d;
                if (seenPoint)
                {
                    fractionDigits++;
                }
            }
            else if (c == (byte)'.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                return Fallback(utf8, out value);
            }
        }

        if (digits == 0 || mantissa > MaxExactMantissa || fractionDigits >= PowersOf10.Length)
        {
            return Fallback(utf8, out value);
        }

        value = fractionDigits == 0 ? mantissa : mantissa / PowersOf10[fractionDigits];
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    private static bool Fallback(ReadOnlySpan<byte> utf8, out double value) =>
        Utf8Parser.TryParse(utf8, out value, out var consumed) && consumed == utf8.Length && double.IsFinite(value);
}
