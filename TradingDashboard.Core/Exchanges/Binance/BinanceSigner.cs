using System.Globalization;
using System.Text;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>
/// Builds SIGNED request query strings for Binance spot (and MEXC spot v3, which signs the same way): parameters in
/// the given order, then recvWindow and timestamp (server time = local time + measured offset), then
/// signature = HMAC-SHA256(secret, the query string so far) in lower-case hex. Values are URL-encoded before signing,
/// so the signed text is exactly the text sent.
/// </summary>
public sealed class BinanceSigner
{
    private readonly ExchangeCredentials _credentials;
    private readonly TimeProvider _time;
    private long _offsetMs;

    public BinanceSigner(ExchangeCredentials credentials, TimeProvider timeProvider, int recvWindowMs)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _credentials = credentials;
        _time = timeProvider;
        RecvWindowMs = recvWindowMs;
    }

    public int RecvWindowMs { get; }

    /// <summary>Venue clock minus local clock, in milliseconds (from GET /api/v3/time).</summary>
    public long ServerTimeOffsetMs
    {
        get => Interlocked.Read(ref _offsetMs);
        set => Interlocked.Exchange(ref _offsetMs, value);
    }

    public string ApiKey => _credentials.ApiKey;

    /// <summary>The venue's current time as we estimate it, in Unix milliseconds.</summary>
    public long ServerNowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds() + ServerTimeOffsetMs;

    /// <summary>Sets the offset from a server time read between <paramref name="sentAtMs"/> and <paramref name="receivedAtMs"/> (local clock).</summary>
    public void ObserveServerTime(long serverTimeMs, long sentAtMs, long receivedAtMs) =>
        ServerTimeOffsetMs = serverTimeMs - (sentAtMs + receivedAtMs) / 2;

    /// <summary>"a=1&amp;b=2&amp;recvWindow=5000&amp;timestamp=...&amp;signature=..." for the given parameters.</summary>
    public string SignedQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var sb = new StringBuilder(256);
        foreach (var (key, value) in parameters)
        {
            Append(sb, key, value);
        }

        Append(sb, "recvWindow", RecvWindowMs.ToString(CultureInfo.InvariantCulture));
        Append(sb, "timestamp", ServerNowMs().ToString(CultureInfo.InvariantCulture));
        var payload = sb.ToString();
        return payload + "&signature=" + _credentials.Sign(payload);
    }

    /// <summary>Signature over an already assembled payload (WebSocket API requests sort their parameters first).</summary>
    public string Sign(string payload) => _credentials.Sign(payload);

    private static void Append(StringBuilder sb, string key, string value)
    {
        if (sb.Length > 0)
        {
            sb.Append('&');
        }

        sb.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
    }
}
