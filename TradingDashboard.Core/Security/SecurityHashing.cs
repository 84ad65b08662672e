using System.Security.Cryptography;
using System.Text;

namespace TradingDashboard.Core.Security;

/// <summary>Hashing and random secrets for tokens and generated passwords.</summary>
public static class SecurityHashing
{
    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!";

    /// <summary>Lower-case hex SHA-256 of the UTF-8 text. API tokens carry 256 random bits, so an unsalted fast hash is enough.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A new API token: "tdk_" and 32 random bytes, base64url (47 characters).</summary>
    public static string NewApiToken()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return "tdk_" + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>A one-time password of <paramref name="length"/> characters from a 60-symbol alphabet (about 5.9 bits each).</summary>
    public static string NewPassword(int length = 24) => RandomNumberGenerator.GetString(PasswordAlphabet, length);
}
