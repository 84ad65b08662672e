using System.Security.Cryptography;
using System.Text;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// Client order ids derived from the intent id: the same intent always maps to the same id, so a retry, or the same
/// decision replayed after a restart, is recognised by the venue (duplicate client order id) and by the order
/// manager. Format: "td" + 30 lower-case hex digits of SHA-256(intent id), 32 characters, within Binance's
/// ([.A-Z:/a-z0-9_-]{1,36}) and MEXC's (32) limits.
/// </summary>
public static class ClientOrderIds
{
    public const string Prefix = "td";
    public const int Length = 32;

    public static string FromIntent(string intentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(intentId);
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(intentId);
        SHA256.HashData(bytes, hash);
        return Prefix + Convert.ToHexStringLower(hash)[..(Length - Prefix.Length)];
    }

    public static bool IsValid(string? clientOrderId) =>
        clientOrderId is { Length: Length }
        && clientOrderId.StartsWith(Prefix, StringComparison.Ordinal)
        && clientOrderId.AsSpan(Prefix.Length).ContainsAnyExcept("0123456789abcdef") == false;
}
