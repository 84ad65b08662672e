namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>The "Trading:Execution:Binance" section: keys (environment or user secrets only), URLs, testnet.</summary>
public sealed class BinanceTradingOptions : ExchangeCredentialsOptions
{
    public const string SectionName = "Trading:Execution:Binance";

    public const string ProductionRestUrl = "https://api.binance.com";
    public const string TestnetRestUrl = "https://testnet.binance.vision";
    public const string ProductionWebSocketApiUrl = "wss://ws-api.binance.com:443/ws-api/v3";
    public const string TestnetWebSocketApiUrl = "wss://ws-api.testnet.binance.vision/ws-api/v3";

    /// <summary>Use the spot testnet (testnet.binance.vision, its own keys) instead of the real exchange.</summary>
    public bool UseTestnet { get; set; }

    /// <summary>WebSocket API endpoint for the user data stream subscription; empty means the default for <see cref="UseTestnet"/>.</summary>
    public string WebSocketBaseUrl { get; set; } = string.Empty;

    /// <summary>Receive fills and order updates from the user data stream (userDataStream.subscribe.signature).</summary>
    public bool UserDataStream { get; set; } = true;

    public override string DefaultRestBaseUrl() => UseTestnet ? TestnetRestUrl : ProductionRestUrl;

    public string ResolvedWebSocketUrl() =>
        string.IsNullOrWhiteSpace(WebSocketBaseUrl) ? (UseTestnet ? TestnetWebSocketApiUrl : ProductionWebSocketApiUrl) : WebSocketBaseUrl.TrimEnd('/');
}
