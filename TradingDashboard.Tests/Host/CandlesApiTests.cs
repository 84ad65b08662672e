using System.Net;
using System.Text.Json;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public sealed class CandlesApiTests(HostFactory factory) : IClassFixture<HostFactory>, IAsyncLifetime
{
    // 2026-03-02T09:27:00Z, 09:28, 09:29 (the last one still forming).
    private const long T0 = 1_772_443_620_000;

    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        _viewer = await factory.LoginAsNewUserAsync("candle-viewer-" + Guid.NewGuid().ToString("N")[..8], UserRole.Viewer);
        factory.Candles.Set("BTCUSDT", Timeframe.OneMinute,
        [
            new OHLCVBar("Binance", "BTCUSDT", Timeframe.OneMinute, T0, 100.5, 101.25, 99.75, 101, 12.5, true),
            new OHLCVBar("Binance", "BTCUSDT", Timeframe.OneMinute, T0 + 60_000, 101, 102, 100, 100.25, 3.125, true),
            new OHLCVBar("Binance", "BTCUSDT", Timeframe.OneMinute, T0 + 120_000, 100.25, 100.5, 100.125, 100.375, 0.5, false),
        ]);
    }

    public Task DisposeAsync()
    {
        _viewer.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Returns_the_latest_candles_oldest_first_in_camel_case()
    {
        using var response = await _viewer.GetAsync("/api/candles?symbol=BTCUSDT&timeframe=1m&limit=2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(
            "[{\"openTime\":1772443680000,\"open\":101,\"high\":102,\"low\":100,\"close\":100.25,\"volume\":3.125,\"closed\":true}," +
            "{\"openTime\":1772443740000,\"open\":100.25,\"high\":100.5,\"low\":100.125,\"close\":100.375,\"volume\":0.5,\"closed\":false}]",
            body);
    }

    [Fact]
    public async Task Limit_defaults_to_500()
    {
        var before = factory.Candles.RequestedLimits.Count;

        using var response = await _viewer.GetAsync("/api/candles?symbol=BTCUSDT&timeframe=1m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await response.JsonAsync()).GetArrayLength());
        Assert.Equal([500], factory.Candles.RequestedLimits.Skip(before));
    }

    [Fact]
    public async Task Empty_series_is_an_empty_array()
    {
        using var response = await _viewer.GetAsync("/api/candles?symbol=ETHUSDT&timeframe=1h");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[]", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("symbol=DOGEUSDT&timeframe=1m", "symbol")]
    [InlineData("timeframe=1m", "symbol")]
    [InlineData("symbol=BTCUSDT&timeframe=7m", "timeframe")]
    [InlineData("symbol=BTCUSDT", "timeframe")]
    [InlineData("symbol=BTCUSDT&timeframe=1m&limit=abc", "limit")]
    [InlineData("symbol=BTCUSDT&timeframe=1m&limit=0", "limit")]
    [InlineData("symbol=BTCUSDT&timeframe=1m&limit=5001", "limit")]
    [InlineData("symbol=BTCUSDT&timeframe=1m&limit=-5", "limit")]
    [InlineData("symbol=BTCUSDT&timeframe=1m&limit=1e3", "limit")]
    public async Task Bad_requests_get_400_with_an_error_message(string query, string mentioned)
    {
        using var response = await _viewer.GetAsync("/api/candles?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.Equal(["error"], json.EnumerateObject().Select(p => p.Name));
        Assert.Contains(mentioned, json.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
