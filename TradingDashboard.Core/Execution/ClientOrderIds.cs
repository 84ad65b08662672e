using System.Text;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// Client order ids derived from the intent id: the same intent always maps to the same id, so a retry, or the same
/// decision replayed after a restart, is recognised by the venue (duplicate client order id) and by the order
/// manager. Format: "td" + 30 lower-case hex digits of SHA-256(intent id), 32 characters, within Binance's
/// ([.A-Z:/a-z0-9_-]{1,36}) and MEXC's (32) limits.
/// <para>The digest is computed by <see cref="ManagedSha256"/> (the same SHA-256, without OpenSSL's per-call cost), so
/// the ids are exactly those of earlier versions: orders persisted before still match their intents.</para>
/// </summary>
public static class ClientOrderIds
{
    public const string Prefix = "td";
    public const int Length = 32;

    public static string FromIntent(string intentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(intentId);
        Span<byte> hash = stackalloc byte[ManagedSha256.HashSize];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(intentId.Length);
        if (maxBytes <= 512)
        {
            // Every order hashes its intent id: encode on the stack and write the id in one allocation.
            Span<byte> utf8 = stackalloc byte[512];
            var written = Encoding.UTF8.GetBytes(intentId, utf8);
            ManagedSha256.HashData(utf8[..written], hash);
        }
        else
        {
            ManagedSha256.HashData(Encoding.UTF8.GetBytes(intentId), hash);
        }

        // 30 hex digits are the first 15 bytes of the hash.
        return string.Create(Length, HashPrefix.Create(hash), static (chars, prefix) =>
        {
            Prefix.AsSpan().CopyTo(chars);
            Convert.TryToHexStringLower(prefix, chars[Prefix.Length..], out _);
        });
    }

    /// <summary>The 15 hash bytes the id shows, by value (a span cannot enter string.Create's state).</summary>
    [System.Runtime.CompilerServices.InlineArray(15)]
    private struct HashPrefix
    {
        private byte _first;

        public static HashPrefix Create(ReadOnlySpan<byte> hash)
        {
            var prefix = default(HashPrefix);
            hash[..15].CopyTo(prefix);
            return prefix;
        }
    }

    public static bool IsValid(string? clientOrderId) =>
        clientOrderId is { Length: Length }
        && clientOrderId.StartsWith(Prefix, StringComparison.Ordinal)
        && clientOrderId.AsSpan(Prefix.Length).ContainsAnyExcept("0123456789abcdef") == false;
}
