using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Security;

public sealed class UserServiceTests : IDisposable
{
    private readonly SecurityTestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private async Task SeedAsync()
    {
        await _db.UserService.CreateAsync(Actor.System, "root", UserRole.Admin, "root-password");
        await _db.UserService.CreateAsync(Actor.System, "watcher", UserRole.Viewer, "watcher-password");
    }

    [Fact]
    public async Task Admin_creates_a_viewer_with_a_hashed_password()
    {
        await SeedAsync();

        var created = await _db.UserService.CreateAsync(SecurityTestDatabase.Admin(), "carol", UserRole.Viewer, "carol-password");

        Assert.Equal(new UserAccount("carol", UserRole.Viewer, SecurityTestDatabase.Start), created);
        var stored = await _db.Users.FindAsync("carol");
        Assert.DoesNotContain("carol-password", stored!.PasswordHash, StringComparison.Ordinal);
        Assert.Equal(PasswordVerificationResult.Success, _db.Hasher.VerifyHashedPassword(created, stored.PasswordHash, "carol-password"));
        var entry = (await _db.Audit.RecentAsync(1)).Single();
        Assert.Equal(("root", "10.0.0.1", "user.create", "carol", "role=Viewer", true), (entry.Actor, entry.Address, entry.Action, entry.Target, entry.After, entry.Allowed));
    }

    [Fact]
    public async Task Viewer_is_refused_every_user_management_action_and_each_refusal_is_audited()
    {
        await SeedAsync();
        var viewer = SecurityTestDatabase.Viewer();

        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.UserService.ListAsync(viewer));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.UserService.CreateAsync(viewer, "mallory", UserRole.Admin, "mallory-password"));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.UserService.RemoveAsync(viewer, "root"));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.UserService.ResetPasswordAsync(viewer, "root", "new-password"));

        Assert.Null(await _db.Users.FindAsync("mallory"));
        Assert.NotNull(await _db.Users.FindAsync("root"));
        var refusals = (await _db.Audit.RecentAsync(10)).Where(e => e.Actor == "watcher").ToList();
        Assert.Equal(["user.reset-password", "user.remove", "user.create", "user.list"], refusals.Select(e => e.Action));
        Assert.All(refusals, e => Assert.False(e.Allowed));
    }

    [Fact]
    public async Task The_last_admin_and_yourself_cannot_be_removed()
    {
        await SeedAsync();

        var self = await Assert.ThrowsAsync<UserManagementException>(() => _db.UserService.RemoveAsync(SecurityTestDatabase.Admin("root"), "root"));
        Assert.Contains("yourself", self.Message, StringComparison.Ordinal);

        // An admin that is not a stored user (the system, say) still may not remove the only admin.
        var last = await Assert.ThrowsAsync<UserManagementException>(() => _db.UserService.RemoveAsync(SecurityTestDatabase.Admin("system-ops"), "root"));
        Assert.Contains("last admin", last.Message, StringComparison.Ordinal);
        Assert.NotNull(await _db.Users.FindAsync("root"));

        await _db.UserService.CreateAsync(Actor.System, "second", UserRole.Admin, "second-password");
        await _db.UserService.RemoveAsync(SecurityTestDatabase.Admin("second"), "root");
        Assert.Null(await _db.Users.FindAsync("root"));
        var entry = (await _db.Audit.RecentAsync(1)).Single();
        Assert.Equal(("user.remove", "root", "role=Admin", true), (entry.Action, entry.Target, entry.Before, entry.Allowed));
    }

    [Theory]
    [InlineData("", "long-enough")]
    [InlineData("has space", "long-enough")]
    [InlineData("ok", "short")]
    public async Task Invalid_names_and_short_passwords_are_rejected(string name, string password)
    {
        await SeedAsync();
        await Assert.ThrowsAsync<UserManagementException>(() => _db.UserService.CreateAsync(SecurityTestDatabase.Admin(), name, UserRole.Viewer, password));
        Assert.Equal(2, await _db.Users.CountAsync());
    }

    [Fact]
    public async Task Duplicate_names_differing_only_in_case_are_rejected()
    {
        await SeedAsync();
        await Assert.ThrowsAsync<UserManagementException>(() => _db.UserService.CreateAsync(SecurityTestDatabase.Admin(), "WATCHER", UserRole.Admin, "another-password"));
        Assert.Equal(UserRole.Viewer, (await _db.Users.FindAsync("watcher"))!.Role);
    }

    [Fact]
    public async Task Reset_password_replaces_the_hash_and_changes_the_security_stamp()
    {
        await SeedAsync();
        var before = (await _db.Users.FindAsync("watcher"))!;

        await _db.UserService.ResetPasswordAsync(SecurityTestDatabase.Admin(), "watcher", "brand-new-password");

        var after = (await _db.Users.FindAsync("watcher"))!;
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        Assert.Equal(LoginOutcome.InvalidCredentials, (await _db.Login.LoginAsync("watcher", "watcher-password", null)).Outcome);
        Assert.Equal(LoginOutcome.Success, (await _db.Login.LoginAsync("watcher", "brand-new-password", null)).Outcome);
        Assert.DoesNotContain(await _db.Audit.RecentAsync(20), e => (e.After ?? string.Empty).Contains("brand-new-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tokens_are_stored_as_sha256_and_authenticate_until_revoked()
    {
        await SeedAsync();
        var viewer = SecurityTestDatabase.Viewer();

        var issued = await _db.UserService.CreateTokenAsync(viewer, "grafana");

        Assert.StartsWith("tdk_", issued.Token, StringComparison.Ordinal);
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issued.Token)));
        Assert.Equal([expectedHash], ReadTokenHashes());
        Assert.Equal(new ApiTokenOwner(issued.Info.Id, "watcher", UserRole.Viewer), await _db.Tokens.AuthenticateAsync(issued.Token));
        Assert.Null(await _db.Tokens.AuthenticateAsync(issued.Token + "x"));

        await _db.UserService.RevokeTokenAsync(viewer, issued.Info.Id);

        Assert.Null(await _db.Tokens.AuthenticateAsync(issued.Token));
        var listed = Assert.Single(await _db.UserService.ListTokensAsync(viewer));
        Assert.True(listed.IsRevoked);
        Assert.Equal("grafana", listed.Name);
    }

    [Fact]
    public async Task A_user_cannot_revoke_another_users_token()
    {
        await SeedAsync();
        var issued = await _db.UserService.CreateTokenAsync(SecurityTestDatabase.Viewer(), "mine");

        await Assert.ThrowsAsync<UserManagementException>(() => _db.UserService.RevokeTokenAsync(SecurityTestDatabase.Admin(), issued.Info.Id));

        Assert.NotNull(await _db.Tokens.AuthenticateAsync(issued.Token));
        Assert.Empty(await _db.UserService.ListTokensAsync(SecurityTestDatabase.Admin()));
    }

    [Fact]
    public async Task Anonymous_actors_cannot_create_tokens()
    {
        await SeedAsync();
        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.UserService.CreateTokenAsync(Actor.Anonymous("1.2.3.4"), "x"));
    }

    [Fact]
    public async Task Removing_a_user_removes_its_tokens()
    {
        await SeedAsync();
        var issued = await _db.UserService.CreateTokenAsync(SecurityTestDatabase.Viewer(), "ci");

        await _db.UserService.RemoveAsync(SecurityTestDatabase.Admin(), "watcher");
        await _db.UserService.CreateAsync(Actor.System, "watcher", UserRole.Viewer, "watcher-password");

        Assert.Null(await _db.Tokens.AuthenticateAsync(issued.Token));
    }

    [Fact]
    public async Task Token_authentication_uses_the_users_current_role()
    {
        await SeedAsync();
        var issued = await _db.UserService.CreateTokenAsync(SecurityTestDatabase.Viewer(), "ci");

        Assert.Equal(UserRole.Viewer, (await _db.Tokens.AuthenticateAsync(issued.Token))!.Role);
    }

    [Fact]
    public async Task First_start_creates_the_admin_from_settings_with_its_api_token_once()
    {
        var auth = new AuthOptions { AdminUserName = "boss", AdminPassword = "configured-password", AdminApiToken = "configured-token-0123456789abcdef" };

        var result = await _db.UserService.EnsureInitialAdminAsync(auth);

        Assert.Equal(new InitialAdminResult("boss", null, true), result);
        Assert.Equal(LoginOutcome.Success, (await _db.Login.LoginAsync("boss", "configured-password", null)).Outcome);
        Assert.Equal("boss", (await _db.Tokens.AuthenticateAsync("configured-token-0123456789abcdef"))!.UserName);
        Assert.DoesNotContain("configured-token-0123456789abcdef", ReadTokenHashes());

        Assert.Null(await _db.UserService.EnsureInitialAdminAsync(OtherPassword()));
        Assert.Equal(1, await _db.Users.CountAsync());
    }

    [Fact]
    public async Task First_start_without_a_password_generates_a_strong_one()
    {
        var result = await _db.UserService.EnsureInitialAdminAsync(new AuthOptions { AdminUserName = "admin", AdminPassword = "" });

        Assert.NotNull(result!.GeneratedPassword);
        Assert.True(result.GeneratedPassword.Length >= 20);
        Assert.False(result.ApiTokenStored);
        Assert.Equal(LoginOutcome.Success, (await _db.Login.LoginAsync("admin", result.GeneratedPassword, null)).Outcome);
    }

    private static AuthOptions OtherPassword() => new() { AdminUserName = "boss", AdminPassword = "other-password" };

    private List<string> ReadTokenHashes()
    {
        using var connection = _db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT token_hash FROM api_tokens";
        using var reader = command.ExecuteReader();
        var hashes = new List<string>();
        while (reader.Read())
        {
            hashes.Add(reader.GetString(0));
        }

        return hashes;
    }
}
