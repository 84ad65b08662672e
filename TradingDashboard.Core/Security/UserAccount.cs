namespace TradingDashboard.Core.Security;

/// <summary>A user as listed on the Users page (never carries the password hash).</summary>
public sealed record UserAccount(string Name, UserRole Role, DateTimeOffset CreatedAt);

/// <summary>A user row with its password hash, for the login check only.</summary>
public sealed record StoredUser(string Name, UserRole Role, string PasswordHash, DateTimeOffset CreatedAt)
{
    public UserAccount ToAccount() => new(Name, Role, CreatedAt);

    /// <summary>
    /// Short fingerprint of the password hash, put in the login cookie: when the password is reset the stamp changes
    /// and every older session of that user ends.
    /// </summary>
    public string SecurityStamp => SecurityHashing.Sha256Hex(PasswordHash)[..16];
}

/// <summary>Metadata of a personal API token; the token itself is shown once at creation and stored only as a SHA-256 hash.</summary>
public sealed record ApiTokenInfo(
    long Id,
    string UserName,
    string Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>A freshly created token: <see cref="Token"/> is the only copy of the secret and must be shown to the user once.</summary>
public sealed record IssuedApiToken(ApiTokenInfo Info, string Token);

/// <summary>The user an API token belongs to, as found when authenticating a request.</summary>
public sealed record ApiTokenOwner(long TokenId, string UserName, UserRole Role);

/// <summary>
/// A user-management request that is allowed but cannot be done (name taken, last admin, weak password, ...).
/// The message is meant for the person who asked.
/// </summary>
public sealed class UserManagementException : Exception
{
    public UserManagementException()
    {
    }

    public UserManagementException(string message)
        : base(message)
    {
    }

    public UserManagementException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
