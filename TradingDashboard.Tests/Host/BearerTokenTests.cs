using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public sealed class BearerTokenTests(HostFactory factory) : IClassFixture<HostFactory>
{
    [Fact]
    public async Task A_valid_token_authenticates_as_its_user_with_the_users_role()
    {
        await factory.CreateUserAsync("token-viewer", "token-viewer-password", UserRole.Viewer);
        var token = await factory.CreateApiTokenAsync("token-viewer");
        using var client = factory.CreateBearerClient(token);

        using var list = await client.GetAsync("/api/processes");
        using var metrics = await client.GetAsync("/metrics");
        using var start = await client.PostEmptyAsync("/api/processes/MarketDataFeed/start");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Contains(await factory.AuditAsync(), e => e is { Actor: "token-viewer", Action: "process.start", Allowed: false });
    }

    [Fact]
    public async Task An_admin_token_may_control_processes()
    {
        var token = await factory.CreateApiTokenAsync(HostFactory.AdminUserName, "automation");
        using var client = factory.CreateBearerClient(token);

        using var response = await client.PostEmptyAsync("/api/processes/CandleWriter/start");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_with_401()
    {
        await factory.CreateUserAsync("revoker", "revoker-password", UserRole.Viewer);
        var users = factory.Services.GetRequiredService<UserService>();
        var actor = new Actor("revoker", UserRole.Viewer, null);
        var issued = await users.CreateTokenAsync(actor, "old");
        using var client = factory.CreateBearerClient(issued.Token);
        using (var before = await client.GetAsync("/api/processes"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await users.RevokeTokenAsync(actor, issued.Info.Id);

        using var after = await client.GetAsync("/api/processes");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("Bearer", after.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("tdk_not-a-real-token-at-all-0000000000000000000")]
    [InlineData("")]
    public async Task A_wrong_token_is_refused_with_401_even_on_pages(string token)
    {
        using var client = factory.CreateBrowserClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);

        using var api = await client.GetAsync("/api/processes");
        using var page = await client.GetAsync("/users");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }
}
