using System.Net;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

/// <summary>The same host on real Kestrel (127.0.0.1, free port): real sockets and real remote addresses.</summary>
public class KestrelHostTests
{
    [Fact]
    public async Task Real_server_records_the_remote_address_and_locks_out_an_address_across_user_names()
    {
        await using var factory = HostFactory.Create(o =>
        {
            o.UseKestrel = true;
            o.Settings["Trading:Auth:MaxFailedLogins"] = "3";
        });
        using var client = factory.CreateBrowserClient();
        Assert.Equal("127.0.0.1", factory.ServerAddress.Host);

        using (var health = await client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        foreach (var name in new[] { "x1", "x2", "x3" })
        {
            using var failed = await HostFactory.PostLoginAsync(client, name, "wrong-password");
            Assert.StartsWith("/login?error=invalid", failed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        // A fourth user name from the same address, with the right password: refused.
        using var refused = await HostFactory.PostLoginAsync(client, HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);

        Assert.StartsWith("/login?error=locked", refused.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var failures = (await factory.AuditAsync()).Where(e => e.Action == "login").ToList();
        Assert.Equal(4, failures.Count);
        Assert.All(failures, e => Assert.Equal(("127.0.0.1", false), (e.Address, e.Allowed)));
    }
}
