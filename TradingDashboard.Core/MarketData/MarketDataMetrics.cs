using System.Collections.Concurrent;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// Counters for accepted and rejected market data, by source and reason. Thread-safe; read by /metrics and the
/// dashboard. Rejections are logged by the caller with the same reason string.
/// </summary>
public sealed class MarketDataMetrics
{
    private readonly ConcurrentDictionary<string, Counter> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Source, string Reason), Counter> _rejected = new();

    public void RecordAccepted(string source) => _accepted.GetOrAdd(source, static _ => new Counter()).Increment();

    public void RecordRejected(string source, string reason) =>
        _rejected.GetOrAdd((source, reason), static _ => new Counter()).Increment();

    public long AcceptedCount(string source) => _accepted.TryGetValue(source, out var c) ? c.Value : 0;

    public long RejectedCount(string source, string reason) => _rejected.TryGetValue((source, reason), out var c) ? c.Value : 0;

    public long TotalRejected(string source) => _rejected.Where(kv => kv.Key.Source == source).Sum(kv => kv.Value.Value);

    public IReadOnlyDictionary<string, long> AcceptedBySource() => _accepted.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);

    public IReadOnlyList<RejectionCount> Rejections() =>
        _rejected.Select(kv => new RejectionCount(kv.Key.Source, kv.Key.Reason, kv.Value.Value))
            .OrderBy(r => r.Source, StringComparer.Ordinal).ThenBy(r => r.Reason, StringComparer.Ordinal).ToList();

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }
}

public sealed record RejectionCount(string Source, string Reason, long Count);

/// <summary>Reason codes for rejected market data, shared by every source so metrics line up.</summary>
public static class RejectReasons
{
    public const string MalformedJson = "malformed_json";
    public const string UnknownEvent = "unknown_event";
    public const string InvalidNumber = "invalid_number";
    public const string NonPositivePrice = "non_positive_price";
    public const string NegativeQuantity = "negative_quantity";
    public const string DuplicateTrade = "duplicate_trade";
    public const string OutOfOrderTrade = "out_of_order_trade";
    public const string HighBelowLow = "high_below_low";
    public const string OhlcOutsideRange = "ohlc_outside_range";
    public const string UnknownSymbol = "unknown_symbol";
    public const string MalformedRow = "malformed_row";
    public const string MalformedFrame = "malformed_frame";
}
