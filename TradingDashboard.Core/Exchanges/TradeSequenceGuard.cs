using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Rejects duplicate and out-of-order trades per symbol by trade id, keeping the last accepted id. Survives reconnects
/// within one stream, so trades replayed by an overlapping connection are dropped. Not thread-safe: one per stream loop.
/// </summary>
public sealed class TradeSequenceGuard
{
    private readonly Dictionary<string, long> _lastId = new(StringComparer.Ordinal);

    /// <summary>Null when <paramref name="tradeId"/> follows the last accepted id of the symbol (and records it); otherwise the reject reason.</summary>
    public string? Check(string symbol, long tradeId)
    {
        ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_lastId, symbol, out var existed);
        if (existed)
        {
            if (tradeId == last)
            {
                return RejectReasons.DuplicateTrade;
            }

            if (tradeId < last)
            {
                return RejectReasons.OutOfOrderTrade;
            }
        }

        last = tradeId;
        return null;
    }

    /// <summary>The last accepted trade id of <paramref name="symbol"/>, or null.</summary>
    public long? LastId(string symbol) => _lastId.TryGetValue(symbol, out var id) ? id : null;
}
