using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Security;

public sealed class LoginServiceTests : IDisposable
{
    private readonly SecurityTestDatabase _db = new(maxFailedLogins: 3);

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Right_password_succeeds_and_is_audited()
    {
        await _db.UserService.CreateAsync(Actor.System, "alice", UserRole.Viewer, "correct horse");

        var result = await _db.Login.LoginAsync("alice", "correct horse", "10.1.1.1");

        Assert.Equal(LoginOutcome.Success, result.Outcome);
        Assert.Equal("alice", result.User!.Name);
        Assert.Equal(UserRole.Viewer, result.User.Role);
        var entry = (await _db.Audit.RecentAsync(1)).Single();
        Assert.Equal(("alice", "10.1.1.1", "login", "alice", true), (entry.Actor, entry.Address, entry.Action, entry.Target, entry.Allowed));
    }

    [Theory]
    [InlineData("alice", "wrong password")]
    [InlineData("nobody", "correct horse")]
    [InlineData("", "")]
    public async Task Wrong_credentials_fail_and_are_audited_as_refused(string user, string password)
    {
        await _db.UserService.CreateAsync(Actor.System, "alice", UserRole.Viewer, "correct horse");

        var result = await _db.Login.LoginAsync(user, password, "10.1.1.1");

        Assert.Equal(LoginOutcome.InvalidCredentials, result.Outcome);
        Assert.Null(result.User);
        var entry = (await _db.Audit.RecentAsync(1)).Single();
        Assert.Equal("login", entry.Action);
        Assert.False(entry.Allowed);
    }

    [Fact]
    public async Task After_max_failures_even_the_right_password_is_refused_until_the_window_passes()
    {
        await _db.UserService.CreateAsync(Actor.System, "alice", UserRole.Admin, "correct horse");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(LoginOutcome.InvalidCredentials, (await _db.Login.LoginAsync("alice", "guess" + i, "10.1.1.1")).Outcome);
        }

        var locked = await _db.Login.LoginAsync("alice", "correct horse", "10.9.9.9");
        Assert.Equal(LoginOutcome.LockedOut, locked.Outcome);
        Assert.Equal(TimeSpan.FromMinutes(5), locked.RetryAfter);
        var entry = (await _db.Audit.RecentAsync(1)).Single();
        Assert.Equal(("login", false, "locked out"), (entry.Action, entry.Allowed, entry.After));

        _db.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(LoginOutcome.Success, (await _db.Login.LoginAsync("alice", "correct horse", "10.9.9.9")).Outcome);
    }

    [Fact]
    public async Task User_names_are_case_insensitive()
    {
        await _db.UserService.CreateAsync(Actor.System, "Alice", UserRole.Viewer, "correct horse");

        var result = await _db.Login.LoginAsync("alice", "correct horse", null);

        Assert.True(result.Succeeded);
        Assert.Equal("Alice", result.User!.Name);
    }
}
