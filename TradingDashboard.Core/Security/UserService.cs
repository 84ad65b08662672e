using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using TradingDashboard.Core.Configuration;

namespace TradingDashboard.Core.Security;

/// <summary>What the first start did: the admin it created and, when no password was configured, the generated one.</summary>
public sealed record InitialAdminResult(string UserName, string? GeneratedPassword, bool ApiTokenStored);

/// <summary>
/// User management and personal API tokens. Every method takes the <see cref="Actor"/> asking and checks its role
/// here, on the server: user management is for admins only (others get <see cref="AccessDeniedException"/>), tokens
/// are each user's own. Every change and every refusal is written to the audit log.
/// </summary>
public sealed partial class UserService(
    SqliteUserStore users,
    ApiTokenStore tokens,
    IPasswordHasher<UserAccount> hasher,
    IAuditLog audit)
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;
    public const int MaxTokenNameLength = 64;

    public async Task<IReadOnlyList<UserAccount>> ListAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        await RequireAdminAsync(actor, "user.list", "users", cancellationToken);
        return await users.ListAsync(cancellationToken);
    }

    public async Task<UserAccount> CreateAsync(Actor actor, string name, UserRole role, string password, CancellationToken cancellationToken = default)
    {
        name = (name ?? string.Empty).Trim();
        await RequireAdminAsync(actor, "user.create", name, cancellationToken);
        var problem = CheckUserName(name) ?? CheckPassword(password);
        if (problem is null && !await users.TryCreateAsync(name, role, hasher.HashPassword(null!, password), cancellationToken))
        {
            problem = $"A user named '{name}' already exists.";
        }

        if (problem is not null)
        {
            await audit.RecordAsync(actor, "user.create", name, null, problem, allowed: false, cancellationToken);
            throw new UserManagementException(problem);
        }

        await audit.RecordAsync(actor, "user.create", name, null, $"role={role}", allowed: true, cancellationToken);
        var created = await users.FindAsync(name, cancellationToken) ?? throw new InvalidOperationException($"User '{name}' vanished after creation.");
        return created.ToAccount();
    }

    public async Task RemoveAsync(Actor actor, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        name = (name ?? string.Empty).Trim();
        await RequireAdminAsync(actor, "user.remove", name, cancellationToken);
        var existing = await users.FindAsync(name, cancellationToken);
        string? problem = null;
        if (existing is null)
        {
            problem = $"There is no user named '{name}'.";
        }
        else if (string.Equals(existing.Name, actor.Name, StringComparison.OrdinalIgnoreCase))
        {
            problem = "You cannot remove yourself.";
        }
        else
        {
            problem = await users.RemoveAsync(existing.Name, cancellationToken) switch
            {
                UserRemoval.Removed => null,
                UserRemoval.LastAdmin => "The last admin cannot be removed.",
                _ => $"There is no user named '{name}'.",
            };
        }

        var before = existing is null ? null : $"role={existing.Role}";
        if (problem is not null)
        {
            await audit.RecordAsync(actor, "user.remove", name, before, problem, allowed: false, cancellationToken);
            throw new UserManagementException(problem);
        }

        await audit.RecordAsync(actor, "user.remove", existing!.Name, before, null, allowed: true, cancellationToken);
    }

    /// <summary>Sets a new password; the user's existing sessions end (their cookie stamp no longer matches).</summary>
    public async Task ResetPasswordAsync(Actor actor, string name, string newPassword, CancellationToken cancellationToken = default)
    {
        name = (name ?? string.Empty).Trim();
        await RequireAdminAsync(actor, "user.reset-password", name, cancellationToken);
        var problem = CheckPassword(newPassword);
        if (problem is null && !await users.SetPasswordHashAsync(name, hasher.HashPassword(null!, newPassword), cancellationToken))
        {
            problem = $"There is no user named '{name}'.";
        }

        if (problem is not null)
        {
            await audit.RecordAsync(actor, "user.reset-password", name, null, problem, allowed: false, cancellationToken);
            throw new UserManagementException(problem);
        }

        // Never the password itself.
        await audit.RecordAsync(actor, "user.reset-password", name, null, "password replaced", allowed: true, cancellationToken);
    }

    /// <summary>Creates a personal token for the actor itself. The returned secret is shown once and never stored.</summary>
    public async Task<IssuedApiToken> CreateTokenAsync(Actor actor, string tokenName, CancellationToken cancellationToken = default)
    {
        tokenName = (tokenName ?? string.Empty).Trim();
        await RequireSignedInAsync(actor, "token.create", tokenName, cancellationToken);
        if (tokenName.Length is 0 or > MaxTokenNameLength)
        {
            var problem = $"A token needs a name of 1 to {MaxTokenNameLength} characters.";
            await audit.RecordAsync(actor, "token.create", tokenName, null, problem, allowed: false, cancellationToken);
            throw new UserManagementException(problem);
        }

        var issued = await tokens.CreateAsync(actor.Name, tokenName, cancellationToken);
        await audit.RecordAsync(actor, "token.create", $"{actor.Name}/{issued.Info.Id}", null, $"name={tokenName}", allowed: true, cancellationToken);
        return issued;
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListTokensAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        await RequireSignedInAsync(actor, "token.list", actor?.Name ?? "anonymous", cancellationToken);
        return await tokens.ListAsync(actor!.Name, cancellationToken);
    }

    /// <summary>Revokes one of the actor's own tokens.</summary>
    public async Task RevokeTokenAsync(Actor actor, long tokenId, CancellationToken cancellationToken = default)
    {
        var target = $"{actor?.Name}/{tokenId}";
        await RequireSignedInAsync(actor, "token.revoke", target, cancellationToken);
        if (!await tokens.RevokeAsync(actor!.Name, tokenId, cancellationToken))
        {
            const string problem = "No such active token of yours.";
            await audit.RecordAsync(actor, "token.revoke", target, null, problem, allowed: false, cancellationToken);
            throw new UserManagementException(problem);
        }

        await audit.RecordAsync(actor, "token.revoke", target, "active", "revoked", allowed: true, cancellationToken);
    }

    /// <summary>
    /// On the first start (no user at all) creates the admin from Trading:Auth: its password is AdminPassword or, when
    /// that is empty, a generated one returned in <see cref="InitialAdminResult.GeneratedPassword"/> for the caller to
    /// show once; AdminApiToken, when set, becomes that admin's API token. Returns null when users already exist.
    /// </summary>
    public async Task<InitialAdminResult?> EnsureInitialAdminAsync(AuthOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (await users.CountAsync(cancellationToken) > 0)
        {
            return null;
        }

        var name = string.IsNullOrWhiteSpace(options.AdminUserName) ? "admin" : options.AdminUserName.Trim();
        var generated = string.IsNullOrEmpty(options.AdminPassword) ? SecurityHashing.NewPassword() : null;
        var password = options.AdminPassword is { Length: > 0 } configured ? configured : generated!;
        if (!await users.TryCreateAsync(name, UserRole.Admin, hasher.HashPassword(null!, password), cancellationToken))
        {
            return null;
        }

        var source = generated is null ? "password from Trading:Auth:AdminPassword" : "generated one-time password";
        await audit.RecordAsync(Actor.System, "user.create", name, null, $"role=Admin, first start, {source}", allowed: true, cancellationToken);

        var tokenStored = false;
        if (!string.IsNullOrEmpty(options.AdminApiToken))
        {
            var info = await tokens.StoreAsync(name, "Trading:Auth:AdminApiToken", options.AdminApiToken, cancellationToken);
            await audit.RecordAsync(Actor.System, "token.create", $"{name}/{info.Id}", null, "name=Trading:Auth:AdminApiToken", allowed: true, cancellationToken);
            tokenStored = true;
        }

        return new InitialAdminResult(name, generated, tokenStored);
    }

    /// <summary>Null when the name is acceptable, otherwise why not.</summary>
    public static string? CheckUserName(string? name) =>
        name is not null && UserNamePattern().IsMatch(name)
            ? null
            : "A user name has 1 to 64 characters: letters, digits, '.', '_', '-' or '@'.";

    /// <summary>Null when the password is acceptable, otherwise why not.</summary>
    public static string? CheckPassword(string? password) =>
        password is { Length: >= MinPasswordLength and <= MaxPasswordLength }
            ? null
            : $"A password has {MinPasswordLength} to {MaxPasswordLength} characters.";

    private async Task RequireAdminAsync(Actor actor, string action, string target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsAdmin)
        {
            await audit.RecordAsync(actor, action, target, null, "refused: admin role required", allowed: false, cancellationToken);
            throw new AccessDeniedException($"Only admins may do '{action}'.");
        }
    }

    private async Task RequireSignedInAsync(Actor? actor, string action, string target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role is null)
        {
            await audit.RecordAsync(actor, action, target, null, "refused: not signed in", allowed: false, cancellationToken);
            throw new AccessDeniedException($"Sign in to do '{action}'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();
}
