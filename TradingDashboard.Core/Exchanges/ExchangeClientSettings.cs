namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Timing of the exchange clients: reconnect backoff, silence detection, connection rotation and REST retries.
/// The defaults follow the venues' documented limits; tests pass short values. Not bound from appsettings.json
/// (the venue URLs and modes are, in <see cref="Configuration.BinanceOptions"/> and <see cref="Configuration.MexcOptions"/>).
/// </summary>
public sealed record ExchangeClientSettings
{
    public static ExchangeClientSettings Default { get; } = new();

    /// <summary>Delay before the first reconnect; doubled on each further consecutive failure.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the reconnect delay.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Consecutive failed connections (connect errors, or connections that ended before delivering one valid message)
    /// after which StreamAsync throws, so the caller's fallback chain can switch source.
    /// </summary>
    public int MaxConsecutiveFailures { get; init; } = 6;

    /// <summary>Time allowed for the WebSocket handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A connection that delivers no frame for this long is treated as dead and replaced. Binance pushes kline
    /// updates every 1-2 s and MEXC answers our PING every <see cref="PingInterval"/>, so a live link is never this quiet.
    /// </summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Age at which a connection is replaced proactively (both venues close connections at 24 h).</summary>
    public TimeSpan MaxConnectionAge { get; init; } = TimeSpan.FromHours(23);

    /// <summary>How long the old connection is drained after its replacement is up.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Interval of the application-level {"method":"PING"} that MEXC needs to keep a connection open.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts per REST request (rate-limit answers and transient errors included) before giving up.</summary>
    public int RestMaxAttempts { get; init; } = 5;

    /// <summary>Delay before retrying a REST request after a transient error (doubled per attempt).</summary>
    public TimeSpan RestRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest Retry-After the REST client waits out inside one call. A longer ban (418 can last up to 3 days)
    /// fails the call with <see cref="ExchangeRateLimitedException"/> and every later call fails fast until it ends.
    /// </summary>
    public TimeSpan MaxRetryAfterWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Used share of the per-minute request weight at which the REST client pauses until the next minute.</summary>
    public double WeightSlowDownFraction { get; init; } = 0.8;

    /// <summary>Timeout of one REST request.</summary>
    public TimeSpan RestRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
