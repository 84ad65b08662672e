using System.Net;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;
using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components.Trading;

/// <summary>The pages prerendered by the real host with its real registrations (plus AddBacktestJobs, the line Program.cs needs).</summary>
public sealed class TradingPagesHostTests : IAsyncLifetime
{
    private readonly HostFactory _factory = HostFactory.Create(o => o.ConfigureServices = s => s.AddBacktestJobs());

    [Fact]
    public async Task A_viewer_gets_every_trading_page_with_its_plain_empty_states()
    {
        using var viewer = await _factory.LoginAsNewUserAsync("trading-pages-viewer", UserRole.Viewer);
        var expected = new (string Path, string Marker)[]
        {
            ("/trading/positions", "No positions."),
            ("/trading/orders", "No open orders."),
            ("/trading/fills", "No fills yet."),
            ("/trading/risk", "data-limit="),
            ("/backtests", "No backtest run yet."),
        };

        foreach (var (path, marker) in expected)
        {
            using var response = await viewer.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
            Assert.Contains(marker, html, StringComparison.Ordinal);
            Assert.Contains("data-interactive=\"0\"", html, StringComparison.Ordinal);
            if (path.StartsWith("/trading", StringComparison.Ordinal))
            {
                Assert.Contains("Paper mode", html, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Signed_out_requests_are_sent_to_the_login_page()
    {
        using var anonymous = _factory.CreateBrowserClient();

        using var response = await anonymous.GetAsync("/trading/risk");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("login", response.Headers.Location!.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
