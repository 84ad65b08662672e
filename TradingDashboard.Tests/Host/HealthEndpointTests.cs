using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Host.Fakes;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public class HealthEndpointTests
{
    [Fact]
    public async Task Connected_source_and_reachable_store_is_healthy_200()
    {
        await using var factory = new HostFactory();
        factory.MarketDataStatus.Current = FakeMarketDataStatusProvider.Connected();
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"healthy\",\"reasons\":[]}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task No_connected_source_is_degraded_200_with_a_reason()
    {
        await using var factory = new HostFactory();
        factory.MarketDataStatus.Current = FakeMarketDataStatusProvider.Disconnected();
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        Assert.Equal(["no market data source connected"], json.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Unreachable_store_is_unhealthy_503()
    {
        await using var factory = new HostFactory();
        factory.MarketDataStatus.Current = FakeMarketDataStatusProvider.Connected();
        using var client = factory.CreateBrowserClient();
        var database = factory.Services.GetRequiredService<SqliteDatabase>();

        // Take the database away: delete its folder and drop the pooled connections that still hold the old file.
        Directory.Delete(factory.DataDirectory, recursive: true);
        using (var connection = new SqliteConnection(database.ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("unhealthy", json.GetProperty("status").GetString());
        Assert.Contains(json.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("store unreachable", StringComparison.Ordinal));
    }
}
