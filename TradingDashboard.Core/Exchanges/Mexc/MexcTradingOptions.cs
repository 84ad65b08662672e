namespace TradingDashboard.Core.Exchanges.Mexc;

/// <summary>
/// The "Trading:Execution:Mexc" section: keys (environment or user secrets only), REST URL, fill polling interval.
/// MEXC has no spot testnet. Fills are found by polling GET /api/v3/myTrades (see <see cref="MexcTradingClient"/>).
/// </summary>
public sealed class MexcTradingOptions : ExchangeCredentialsOptions
{
    public const string SectionName = "Trading:Execution:Mexc";

    public const string ProductionRestUrl = "https://api.mexc.com";

    /// <summary>How often open orders' fills and status are polled.</summary>
    public int FillPollIntervalMs { get; set; } = 2000;

    public override string DefaultRestBaseUrl() => ProductionRestUrl;
}
