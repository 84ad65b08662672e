using System.Text;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Maps a symbol as it appears in a venue message (UTF-8 bytes, any ASCII case: "ETHUSDT", "ethusdt") to our cached
/// upper-case symbol string, so parsing allocates no string per message. Immutable after construction; thread-safe.
/// </summary>
public sealed class SymbolTable
{
    private readonly string[] _symbols;
    private readonly byte[][] _upperUtf8;

    public SymbolTable(IEnumerable<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        _symbols = symbols.Select(s => s.Trim().ToUpperInvariant()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        _upperUtf8 = _symbols.Select(Encoding.ASCII.GetBytes).ToArray();
    }

    public IReadOnlyList<string> Symbols => _symbols;

    /// <summary>Finds the cached symbol equal to <paramref name="utf8"/> ignoring ASCII case.</summary>
    public bool TryGet(ReadOnlySpan<byte> utf8, out string symbol)
    {
        // A handful of symbols per connection: a linear scan beats hashing the bytes.
        var candidates = _upperUtf8;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (EqualsIgnoreAsciiCase(utf8, candidates[i]))
            {
                symbol = _symbols[i];
                return true;
            }
        }

        symbol = string.Empty;
        return false;
    }

    /// <summary>Finds the cached symbol equal to <paramref name="value"/> ignoring case.</summary>
    public bool TryGet(ReadOnlySpan<char> value, out string symbol)
    {
        foreach (var candidate in _symbols)
        {
            if (value.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                symbol = candidate;
                return true;
            }
        }

        symbol = string.Empty;
        return false;
    }

    private static bool EqualsIgnoreAsciiCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> upper)
    {
        if (value.Length != upper.Length)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var b = value[i];
            if (b is >= (byte)'a' and <= (byte)'z')
            {
                b -= 32;
            }

            if (b != upper[i])
            {
                return false;
            }
        }

        return true;
    }
}
