using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Security;

public enum LoginOutcome
{
    Success,
    InvalidCredentials,
    LockedOut,
}

/// <summary>Result of a login attempt; <see cref="User"/> is set on success, <see cref="RetryAfter"/> when locked out.</summary>
public sealed record LoginResult(LoginOutcome Outcome, StoredUser? User, TimeSpan? RetryAfter)
{
    public bool Succeeded => Outcome == LoginOutcome.Success;
}

/// <summary>
/// Checks a user name and password: rate-limited by <see cref="LoginThrottle"/> and audited (successes, failures,
/// refusals while locked out). The caller turns a success into a session (cookie).
/// </summary>
public sealed partial class LoginService(
    SqliteUserStore users,
    IPasswordHasher<UserAccount> hasher,
    LoginThrottle throttle,
    IAuditLog audit,
    ILogger<LoginService> logger)
{
    /// <summary>Hash checked for unknown user names, so their answer takes as long as a wrong password.</summary>
    private readonly Lazy<string> _dummyHash = new(() => hasher.HashPassword(null!, SecurityHashing.NewPassword()));

    public async Task<LoginResult> LoginAsync(string userName, string password, string? address, CancellationToken cancellationToken = default)
    {
        userName = (userName ?? string.Empty).Trim();
        password ??= string.Empty;
        var actor = new Actor(userName.Length == 0 ? "anonymous" : userName, null, address);

        if (throttle.RetryAfter(userName, address) is { } wait)
        {
            LogLockedOut(logger, userName, address);
            await audit.RecordAsync(actor, "login", userName, null, "locked out", allowed: false, cancellationToken);
            return new LoginResult(LoginOutcome.LockedOut, null, wait);
        }

        var user = userName.Length == 0 ? null : await users.FindAsync(userName, cancellationToken);
        var verification = user is null
            ? VerifyDummy(password)
            : hasher.VerifyHashedPassword(user.ToAccount(), user.PasswordHash, password);

        if (user is null || verification == PasswordVerificationResult.Failed)
        {
            throttle.RecordFailure(userName, address);
            LogFailed(logger, userName, address);
            await audit.RecordAsync(actor, "login", userName, null, "wrong user name or password", allowed: false, cancellationToken);
            return new LoginResult(LoginOutcome.InvalidCredentials, null, null);
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehashed = hasher.HashPassword(user.ToAccount(), password);
            await users.SetPasswordHashAsync(user.Name, rehashed, cancellationToken);
            user = user with { PasswordHash = rehashed };
        }

        throttle.RecordSuccess(userName);
        LogSucceeded(logger, user.Name, address);
        await audit.RecordAsync(actor with { Name = user.Name, Role = user.Role }, "login", user.Name, null, null, allowed: true, cancellationToken);
        return new LoginResult(LoginOutcome.Success, user, null);
    }

    private PasswordVerificationResult VerifyDummy(string password)
    {
        hasher.VerifyHashedPassword(null!, _dummyHash.Value, password);
        return PasswordVerificationResult.Failed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login refused for {UserName} from {Address}: too many failed attempts")]
    private static partial void LogLockedOut(ILogger logger, string userName, string? address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for {UserName} from {Address}")]
    private static partial void LogFailed(ILogger logger, string userName, string? address);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserName} logged in from {Address}")]
    private static partial void LogSucceeded(ILogger logger, string userName, string? address);
}
