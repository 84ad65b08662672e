using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public sealed class PageAuthorizationTests(HostFactory factory) : IClassFixture<HostFactory>
{
    [Theory]
    [InlineData("/users", "users-table")]
    [InlineData("/audit", "audit-table")]
    [InlineData("/account/tokens", "tokens-table")]
    public async Task Admin_sees_the_admin_pages(string path, string marker)
    {
        using var admin = await factory.LoginAsAdminAsync();

        using var response = await admin.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(marker, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/users")]
    [InlineData("/audit")]
    public async Task Viewer_is_sent_to_access_denied_on_admin_pages(string path)
    {
        using var viewer = await factory.LoginAsNewUserAsync("page-viewer-" + path.Trim('/'), UserRole.Viewer);

        using var response = await viewer.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/access-denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        using var denied = await viewer.GetAsync(response.Headers.Location.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        Assert.Contains("for admins only", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_may_manage_their_own_tokens()
    {
        using var viewer = await factory.LoginAsNewUserAsync("token-page-viewer", UserRole.Viewer);

        using var response = await viewer.GetAsync("/account/tokens");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("My tokens", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_health_login_and_static_files_are_anonymous()
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var anonymous = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null && e.Metadata.GetMetadata<StaticAssetDescriptor>() is null)
            .Select(e => e.RoutePattern.RawText)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(["/account/login", "/account/logout", "/favicon.ico", "/health", "/login"], anonymous);
        Assert.Contains(endpoints, e => e.Metadata.GetMetadata<StaticAssetDescriptor>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is not null);
    }
}
