using System.Security.Cryptography;
using System.Text;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// An API key and its secret, as bound from configuration (environment variables such as
/// Trading__Execution__Binance__ApiKey / __ApiSecret, or user secrets; never appsettings.json). The secret never leaves
/// this object except as an HMAC: <see cref="ToString"/> redacts both, and nothing here logs.
/// </summary>
public sealed class ExchangeCredentials
{
    private readonly byte[] _secret;

    public ExchangeCredentials(string apiKey, string apiSecret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiSecret);
        ApiKey = apiKey;
        _secret = Encoding.UTF8.GetBytes(apiSecret);
    }

    /// <summary>Sent in the venue's API key header; not secret by itself, but still not logged.</summary>
    public string ApiKey { get; }

    /// <summary>Lower-case hex HMAC-SHA256 of <paramref name="payload"/> with the secret (Binance and MEXC signatures).</summary>
    public string Sign(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(payload)));
    }

    public override string ToString() => $"ApiKey={Mask(ApiKey)}, ApiSecret=***";

    /// <summary>Shows only the first four characters: enough to tell keys apart on the status page.</summary>
    public static string Mask(string? value) => string.IsNullOrEmpty(value) ? "(not set)" : (value.Length <= 4 ? "****" : value[..4] + "****");
}
