namespace TradingDashboard.Core.Domain;

/// <summary>
/// One trade as reported by a venue (or a replay file). Prices and quantities are doubles: they feed analytics,
/// never an order (orders use decimal). Times are Unix milliseconds, UTC.
/// </summary>
/// <param name="Source">Market data source that produced it: Binance, Mexc or Replay.</param>
/// <param name="Symbol">Venue-neutral symbol, upper case, e.g. ETHUSDT.</param>
/// <param name="TradeId">Venue trade id (aggregate trade id for aggTrade streams); strictly increasing per source and symbol.</param>
/// <param name="ExchangeTimeMs">Trade time stamped by the venue.</param>
/// <param name="ReceivedTimeMs">Local time the message was received (replay: the simulated clock).</param>
public sealed record MarketTick(
    string Source,
    string Symbol,
    long TradeId,
    double Price,
    double Quantity,
    bool IsBuyerMaker,
    long ExchangeTimeMs,
    long ReceivedTimeMs)
{
    /// <summary>Aggressor side: a buyer-maker trade was initiated by a seller.</summary>
    public TradeSide Side => IsBuyerMaker ? TradeSide.Sell : TradeSide.Buy;

    /// <summary>Traded value in the quote asset (price x quantity).</summary>
    public double QuoteVolume => Price * Quantity;
}

public enum TradeSide
{
    Buy,
    Sell,
}
