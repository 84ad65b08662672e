namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Settings shared by the signed venue clients ("Trading:Execution:Binance", "Trading:Execution:Mexc"). ApiKey and
/// ApiSecret are bound from configuration but belong in environment variables (Trading__Execution__Binance__ApiKey,
/// Trading__Execution__Binance__ApiSecret) or user secrets, never in appsettings.json. <see cref="ToString"/> hides them.
/// </summary>
public abstract class ExchangeCredentialsOptions
{
    public string? ApiKey { get; set; }

    public string? ApiSecret { get; set; }

    /// <summary>REST base URL; empty means the venue's default (or its testnet's where <c>UseTestnet</c> exists).</summary>
    public string RestBaseUrl { get; set; } = string.Empty;

    /// <summary>How long after its timestamp the venue accepts a signed request (Binance at most 60000).</summary>
    public int RecvWindowMs { get; set; } = 5000;

    /// <summary>Timeout of one REST request; a placement that times out is looked up by client order id.</summary>
    public int RequestTimeoutMs { get; set; } = 10_000;

    public bool HasKeys => !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(ApiSecret);

    public ExchangeCredentials Credentials() => new(ApiKey!, ApiSecret!);

    public abstract string DefaultRestBaseUrl();

    public string ResolvedRestBaseUrl() => string.IsNullOrWhiteSpace(RestBaseUrl) ? DefaultRestBaseUrl() : RestBaseUrl.TrimEnd('/');

    public override string ToString() =>
        $"{GetType().Name}(RestBaseUrl={ResolvedRestBaseUrl()}, ApiKey={ExchangeCredentials.Mask(ApiKey)}, ApiSecret={(string.IsNullOrEmpty(ApiSecret) ? "(not set)" : "***")})";
}
