namespace TradingDashboard.Core.Domain;

/// <summary>
/// One candle. A forming candle (<see cref="IsClosed"/> false) is replaced by newer versions of itself until the
/// closed, final version is published; a closed candle never changes. Times are Unix milliseconds, UTC.
/// </summary>
public sealed record OHLCVBar(
    string Source,
    string Symbol,
    Timeframe Timeframe,
    long OpenTimeMs,
    double Open,
    double High,
    double Low,
    double Close,
    double Volume,
    bool IsClosed)
{
    /// <summary>Quote-asset volume, when known (0 when the source does not give it).</summary>
    public double QuoteVolume { get; init; }

    /// <summary>Number of trades, when known (0 when the source does not give it).</summary>
    public long TradeCount { get; init; }

    /// <summary>Venue time of the last update that went into this version of the candle.</summary>
    public long ExchangeTimeMs { get; init; }

    /// <summary>Local time this version of the candle was produced.</summary>
    public long ReceivedTimeMs { get; init; }

    /// <summary>Indicator values computed at this bar, by name (see the data processor); null until computed.</summary>
    public IReadOnlyDictionary<string, double>? Indicators { get; init; }

    /// <summary>Last millisecond covered by the candle (Binance convention: open + interval - 1).</summary>
    public long CloseTimeMs => OpenTimeMs + Timeframe.DurationMs() - 1;

    public DateTimeOffset OpenTime => DateTimeOffset.FromUnixTimeMilliseconds(OpenTimeMs);
}
