using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public sealed partial class LoginTests(HostFactory factory) : IClassFixture<HostFactory>
{
    [Fact]
    public async Task Anonymous_page_request_redirects_to_the_login_page()
    {
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync("/users");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fusers", response.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [InlineData("/api/candles?symbol=BTCUSDT&timeframe=1m")]
    [InlineData("/api/processes")]
    [InlineData("/api/does-not-exist")]
    [InlineData("/metrics")]
    public async Task Anonymous_api_calls_get_401_not_a_redirect(string path)
    {
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("/health")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/_framework/blazor.web.js")]
    public async Task Login_page_health_and_static_files_are_anonymous(string path)
    {
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Successful_login_sets_the_cookie_follows_the_return_url_and_is_audited()
    {
        await factory.CreateUserAsync("lena", "lena-password", UserRole.Viewer);
        using var client = factory.CreateBrowserClient();

        using var response = await HostFactory.PostLoginAsync(client, "lena", "lena-password", "/audit");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/audit", response.Headers.Location!.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("td.auth=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=lax", StringComparison.OrdinalIgnoreCase));
        using var api = await client.GetAsync("/api/processes");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Contains(await factory.AuditAsync(), e => e is { Action: "login", Actor: "lena", Allowed: true });
    }

    [Fact]
    public async Task Wrong_password_goes_back_to_the_login_page_with_a_message_and_is_audited()
    {
        await factory.CreateUserAsync("mike", "mike-password", UserRole.Viewer);
        using var client = factory.CreateBrowserClient();

        using var response = await HostFactory.PostLoginAsync(client, "mike", "not-his-password");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?error=invalid&user=mike", response.Headers.Location!.OriginalString);
        var page = await client.GetStringAsync(new Uri(response.Headers.Location.OriginalString, UriKind.Relative));
        Assert.Contains("Wrong user name or password.", page, StringComparison.Ordinal);
        using var api = await client.GetAsync("/api/processes");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Contains(await factory.AuditAsync(), e => e is { Action: "login", Actor: "mike", Allowed: false });
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task Login_never_redirects_off_site(string returnUrl)
    {
        using var client = factory.CreateBrowserClient();

        using var response = await HostFactory.PostLoginAsync(client, HostFactory.AdminUserName, HostFactory.DefaultAdminPassword, returnUrl);

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_form_without_antiforgery_token_is_refused()
    {
        using var client = factory.CreateBrowserClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = HostFactory.AdminUserName, ["Password"] = HostFactory.DefaultAdminPassword });

        using var response = await client.PostAsync(new Uri("/account/login", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("td.auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Logout_ends_the_session()
    {
        using var client = await factory.LoginAsAdminAsync();
        var page = await client.GetStringAsync(new Uri("/logout", UriKind.Relative));
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) });

        using var logout = await client.PostAsync(new Uri("/account/logout", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/login", logout.Headers.Location!.OriginalString);
        using var api = await client.GetAsync("/api/processes");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Removing_a_user_ends_its_cookie_session()
    {
        using var client = await factory.LoginAsNewUserAsync("temp-user", UserRole.Viewer);
        using (var before = await client.GetAsync("/api/processes"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await factory.Services.GetRequiredServiceOf<UserService>().RemoveAsync(Actor.System, "temp-user");

        using var after = await client.GetAsync("/api/processes");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task After_max_failed_logins_the_user_is_locked_out_with_a_clear_message_until_the_window_passes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        await using var locked = HostFactory.Create(o =>
        {
            o.Settings["Trading:Auth:MaxFailedLogins"] = "3";
            o.Settings["Trading:Auth:LockoutMinutes"] = "10";
            o.Time = time;
        });
        using var client = locked.CreateBrowserClient();
        for (var i = 0; i < 3; i++)
        {
            using var failed = await HostFactory.PostLoginAsync(client, HostFactory.AdminUserName, "guess-" + i);
            Assert.StartsWith("/login?error=invalid", failed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        using var refused = await HostFactory.PostLoginAsync(client, HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);

        Assert.StartsWith("/login?error=locked", refused.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains("retry=10", refused.Headers.Location.OriginalString, StringComparison.Ordinal);
        var page = await client.GetStringAsync(new Uri(refused.Headers.Location.OriginalString, UriKind.Relative));
        Assert.Contains("Too many failed sign-in attempts", page, StringComparison.Ordinal);
        Assert.Contains(await locked.AuditAsync(), e => e is { Action: "login", Allowed: false, After: "locked out" });

        time.Advance(TimeSpan.FromMinutes(10));
        using var later = await locked.LoginAsAdminAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

internal static class ServiceProviderTestExtensions
{
    public static T GetRequiredServiceOf<T>(this IServiceProvider services)
        where T : notnull =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<T>(services);
}
