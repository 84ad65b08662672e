using System.Diagnostics.CodeAnalysis;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// The last few values looked up by a string key (a symbol), matched by reference: bars of one feed carry the same
/// symbol instance, so the per-bar lookups of a backtest skip hashing. A miss says nothing: the caller then asks its
/// dictionary (the source of truth) and remembers the answer. Values must stay valid for their key (clear otherwise).
/// Not thread-safe: callers hold their own lock or run on one thread.
/// </summary>
internal sealed class RecentByReference<TValue>
    where TValue : class
{
    private const int Size = 4;
    private readonly string?[] _keys = new string?[Size];
    private readonly TValue?[] _values = new TValue?[Size];
    private int _next;

    public bool TryGet(string key, [NotNullWhen(true)] out TValue? value)
    {
        var keys = _keys;
        for (var i = 0; i < keys.Length; i++)
        {
            if (ReferenceEquals(keys[i], key))
            {
                value = _values[i]!;
                return true;
            }
        }

        value = null;
        return false;
    }

    public void Remember(string key, TValue value)
    {
        _keys[_next] = key;
        _values[_next] = value;
        _next = (_next + 1) % Size;
    }

    public void Clear()
    {
        Array.Clear(_keys);
        Array.Clear(_values);
        _next = 0;
    }
}
