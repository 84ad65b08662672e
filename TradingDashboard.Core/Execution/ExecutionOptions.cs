namespace TradingDashboard.Core.Execution;

/// <summary>The "Trading:Execution" section: where orders go and how the paper exchange simulates a venue.</summary>
public sealed class ExecutionOptions
{
    public const string SectionName = "Trading:Execution";

    public static readonly IReadOnlyList<string> KnownVenues = ["Paper", "Binance", "Mexc"];

    /// <summary>Paper (default) or Live. Live needs a real venue and its keys; nothing trades live by accident.</summary>
    public TradingMode Mode { get; set; } = TradingMode.Paper;

    /// <summary>Paper, Binance or Mexc. Paper mode may point at a real venue's testnet later; Live may not use Paper.</summary>
    public string Venue { get; set; } = "Paper";

    /// <summary>The quote asset of every traded symbol; equity and PnL are in this currency.</summary>
    public string AccountCurrency { get; set; } = "USDT";

    /// <summary>How many times a placement is sent after transient failures (the first send included).</summary>
    public int PlacementAttempts { get; set; } = 3;

    /// <summary>Delay before the first resend; doubled each time (the venue's Retry-After wins when longer).</summary>
    public int RetryBaseDelayMs { get; set; } = 250;

    /// <summary>
    /// Share of cash an entry leaves unspent on venues without shorting (spot): room for fees and slippage, so that
    /// a full-size entry is not refused for want of the last few units of quote asset.
    /// </summary>
    public decimal EntryCashBuffer { get; set; } = 0.01m;

    public PaperExchangeOptions Paper { get; set; } = new();

    /// <summary>Venue rules per symbol for the paper exchange (real venues read theirs from exchangeInfo).</summary>
    public List<SymbolRulesOptions> SymbolRules { get; set; } = [];

    public IReadOnlyList<SymbolRules> ParsedSymbolRules() => SymbolRules.Select(r => r.ToRules()).ToList();
}

/// <summary>The "Trading:Execution:Paper" section: the simulated venue's fees, slippage, partial fills and latency.</summary>
public sealed class PaperExchangeOptions
{
    /// <summary>Starting balance in the account currency.</summary>
    public decimal InitialCash { get; set; } = 10_000m;

    /// <summary>Fee rate for fills that rested on the book (limit orders filled after arrival), e.g. 0.001 = 0.1 %.</summary>
    public decimal MakerFeeRate { get; set; } = 0.001m;

    /// <summary>Fee rate for fills that took liquidity (market, triggered stops, marketable limits).</summary>
    public decimal TakerFeeRate { get; set; } = 0.001m;

    /// <summary>Fixed adverse slippage of taker fills, in basis points.</summary>
    public decimal SlippageBps { get; set; } = 1m;

    /// <summary>Extra slippage in basis points per unit of participation (fill quantity / volume of the bar or trade).</summary>
    public decimal SizeImpactBps { get; set; } = 10m;

    /// <summary>Largest fraction of a bar's (or trade's) volume our orders may fill; the rest waits (partial fills).</summary>
    public decimal MaxVolumeParticipation { get; set; } = 0.1m;

    /// <summary>Time from placement until the order can match (simulated network and matching-engine latency).</summary>
    public int LatencyMs { get; set; } = 50;

    /// <summary>Spot venues cannot sell what the account does not hold; true simulates a margin account.</summary>
    public bool AllowShortSelling { get; set; }

    /// <summary>
    /// Resting stop orders may be moved in place (<see cref="IBrokerageApi.AmendStopPriceAsync"/>) instead of cancel
    /// and replace: the same fills at the same prices (the amended order waits LatencyMs and goes to the back of the
    /// queue, as a new one would), but no new order and client order id per trailing step. False simulates a venue
    /// without amend (Binance and MEXC spot).
    /// </summary>
    public bool AmendStopOrders { get; set; } = true;

    /// <summary>Candle timeframe whose closed candles the paper exchange matches against in live paper trading (1s or 1m).</summary>
    public string MatchTimeframe { get; set; } = "1m";

    /// <summary>A copy with another starting balance (a backtest or an RL episode starts its venue with its own cash); every other setting is kept.</summary>
    public PaperExchangeOptions WithInitialCash(decimal cash)
    {
        var copy = (PaperExchangeOptions)MemberwiseClone();
        copy.InitialCash = cash;
        return copy;
    }
}

/// <summary>One symbol's venue rules in configuration (see <see cref="Execution.SymbolRules"/>).</summary>
public sealed class SymbolRulesOptions
{
    public string Symbol { get; set; } = string.Empty;

    public string BaseAsset { get; set; } = string.Empty;

    public string QuoteAsset { get; set; } = string.Empty;

    public decimal TickSize { get; set; }

    public decimal StepSize { get; set; }

    public decimal MinQuantity { get; set; }

    public decimal? MaxQuantity { get; set; }

    public decimal MinNotional { get; set; }

    public decimal? MaxNotional { get; set; }

    public decimal? MinPrice { get; set; }

    public decimal? MaxPrice { get; set; }

    public decimal? PriceBandUp { get; set; }

    public decimal? PriceBandDown { get; set; }

    public SymbolRules ToRules() =>
        new(Symbol, BaseAsset, QuoteAsset, TickSize, StepSize, MinQuantity, MinNotional)
        {
            MaxQuantity = MaxQuantity,
            MaxNotional = MaxNotional,
            MinPrice = MinPrice,
            MaxPrice = MaxPrice,
            PriceBandUp = PriceBandUp,
            PriceBandDown = PriceBandDown,
        };
}
