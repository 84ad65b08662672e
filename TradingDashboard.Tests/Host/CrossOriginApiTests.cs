using System.Net;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

/// <summary>
/// CSRF guard of the JSON API (SameOriginApiFilter): state-changing calls with the login cookie must come from the
/// dashboard's own origin, judged by Sec-Fetch-Site, else Origin; bearer calls and reads are not affected.
/// </summary>
public sealed class CrossOriginApiTests(HostFactory factory) : IClassFixture<HostFactory>
{
    private const string Process = "CsrfFeed";

    [Theory]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Origin", "http://127.0.0.1:1")]
    [InlineData("Origin", "https://localhost")]
    public async Task Admin_cookie_post_from_another_origin_is_refused_with_403_and_audited(string header, string value)
    {
        var admin = $"csrf-admin-{Guid.NewGuid():N}";
        using var client = await factory.LoginAsNewUserAsync(admin, UserRole.Admin);
        factory.Processes.Set(new ProcessInfo(Process, "test", ProcessState.Running, null, 0, 0, null, null));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/processes/{Process}/stop");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(value, (await response.JsonAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(ProcessState.Running, factory.Processes.Get(Process)!.State);
        Assert.DoesNotContain(factory.Processes.Calls, c => c.Actor.Name == admin);
        var entry = Assert.Single(await factory.AuditAsync(), e => e.Actor == admin && e.Action == "process.stop");
        Assert.False(entry.Allowed);
        Assert.Equal(Process, entry.Target);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    [InlineData("Origin", "http://localhost")]
    [InlineData(null, null)]
    public async Task Admin_cookie_post_from_the_dashboard_itself_or_a_non_browser_client_is_allowed(string? header, string? value)
    {
        var admin = $"csrf-admin-{Guid.NewGuid():N}";
        using var client = await factory.LoginAsNewUserAsync(admin, UserRole.Admin);
        factory.Processes.Set(new ProcessInfo(Process, "test", ProcessState.Running, null, 0, 0, null, null));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/processes/{Process}/stop");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(factory.Processes.Calls, c => c.Actor.Name == admin && c.Verb == "stop");
    }

    [Fact]
    public async Task Bearer_post_and_cookie_get_are_not_judged_by_origin()
    {
        var admin = $"csrf-admin-{Guid.NewGuid():N}";
        await factory.CreateUserAsync(admin, "csrf-admin-password", UserRole.Admin);
        var token = await factory.CreateApiTokenAsync(admin);
        factory.Processes.Set(new ProcessInfo(Process, "test", ProcessState.Stopped, null, 0, 0, null, null));
        using var bearer = factory.CreateBearerClient(token);
        using var start = new HttpRequestMessage(HttpMethod.Post, $"/api/processes/{Process}/start");
        start.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");

        using var started = await bearer.SendAsync(start);

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal(ProcessState.Running, factory.Processes.Get(Process)!.State);

        using var cookie = await factory.LoginAsync(admin, "csrf-admin-password");
        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/processes");
        list.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");
        using var listed = await cookie.SendAsync(list);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }
}
