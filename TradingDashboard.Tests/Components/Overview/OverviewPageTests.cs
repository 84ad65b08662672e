using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Components.Pages.Overview;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Overview;

public sealed class OverviewPageTests : ComponentTestBase
{
    private static readonly DateTimeOffset UpdatedAt = new(2024, 5, 1, 11, 59, 58, TimeSpan.Zero);
    private readonly FakeMarketDataStatusProvider _status = new();
    private readonly AlertService _alerts;

    public OverviewPageTests()
    {
        _alerts = new AlertService(Time, NullLogger<AlertService>.Instance);
        Ctx.Services.AddSingleton<IMarketDataStatusProvider>(_status);
        Ctx.Services.AddSingleton<IAlertService>(_alerts);
    }

    private static MarketDataStatus LiveStatus(double ethChange = 0.025) => new(
        "Binance",
        [
            new SourceStatus("Binance", SourceConnectionState.Connected, null, UpdatedAt, Polling: false),
            new SourceStatus("Mexc", SourceConnectionState.Idle, "standby", null, Polling: false),
            new SourceStatus("Replay", SourceConnectionState.Failed, "no files in data/replay", null, Polling: false),
        ],
        [
            new SymbolSummary("ETHUSDT", 3456.78, ethChange, "Binance", SourceConnectionState.Connected, UpdatedAt),
            new SymbolSummary("BTCUSDT", 64123.4, -0.01234, "Binance", SourceConnectionState.Connected, UpdatedAt),
        ],
        UpdatedAt);

    [Fact]
    public void Shows_a_tile_per_symbol_with_price_change_source_state_and_time()
    {
        _status.Set(LiveStatus());

        var cut = Render<OverviewPage>();

        var eth = cut.Find("[data-symbol=ETHUSDT]");
        Assert.Equal("1", eth.GetAttribute("data-has-data"));
        Assert.Equal("3,456.78", eth.QuerySelector(".td-tile-price")!.TextContent.Trim());
        var ethChange = eth.QuerySelector(".td-tile-change")!;
        Assert.Contains("+2.50 %", ethChange.TextContent, StringComparison.Ordinal);
        Assert.Contains("td-up", ethChange.ClassList);
        Assert.Equal("Connected", eth.QuerySelector("[data-connection]")!.GetAttribute("data-connection"));
        Assert.Contains("Binance", eth.QuerySelector(".td-tile-foot")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("11:59:58", eth.QuerySelector(".td-tile-foot")!.TextContent, StringComparison.Ordinal);

        var btc = cut.Find("[data-symbol=BTCUSDT]");
        Assert.Equal("64,123.40", btc.QuerySelector(".td-tile-price")!.TextContent.Trim());
        Assert.Contains("-1.23 %", btc.QuerySelector(".td-tile-change")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("td-down", btc.QuerySelector(".td-tile-change")!.ClassList);
        Assert.Equal("Binance", cut.Find("[data-active-source]").GetAttribute("data-active-source"));
    }

    [Fact]
    public void Without_data_every_configured_symbol_says_no_data_yet_and_shows_no_number()
    {
        var cut = Render<OverviewPage>();

        var tiles = cut.FindAll("[data-symbol]");
        Assert.Equal(["ETHUSDT", "BTCUSDT"], tiles.Select(t => t.GetAttribute("data-symbol") ?? string.Empty).ToArray());
        foreach (var tile in tiles)
        {
            Assert.Equal("0", tile.GetAttribute("data-has-data"));
            Assert.Equal("no data yet", tile.QuerySelector("[data-empty-reason]")!.TextContent.Trim());
            Assert.Null(tile.QuerySelector(".td-tile-price"));
            Assert.DoesNotContain(tile.TextContent, char.IsDigit);
        }

        Assert.NotNull(cut.Find("[data-sources-empty]"));
        Assert.Equal(string.Empty, cut.Find("[data-active-source]").GetAttribute("data-active-source"));
    }

    private static MarketDataStatus FinishedReplay(string? active) => new(
        active,
        [new SourceStatus("Replay", SourceConnectionState.Ended, "replay finished, end of its files (120 messages)", UpdatedAt, Polling: false)],
        [
            new SymbolSummary("ETHUSDT", 2301.5, 0.01, active, active is null ? SourceConnectionState.Idle : SourceConnectionState.Ended, UpdatedAt),
            new SymbolSummary("BTCUSDT", 43010, -0.002, active, active is null ? SourceConnectionState.Idle : SourceConnectionState.Ended, UpdatedAt),
        ],
        UpdatedAt);

    [Fact]
    public void A_finished_replay_reads_replay_finished_not_offline()
    {
        _status.Set(FinishedReplay("Replay"));

        var cut = Render<OverviewPage>();

        Assert.Equal("Replay", cut.Find("[data-active-source]").GetAttribute("data-active-source"));
        Assert.Equal("replay finished", cut.Find(".td-header-facts [data-source-ended=Replay]").TextContent.Trim());
        Assert.DoesNotContain("offline", cut.Find(".td-header-facts").TextContent, StringComparison.Ordinal);
        var eth = cut.Find("[data-symbol=ETHUSDT]");
        Assert.Equal("Ended", eth.QuerySelector("[data-connection]")!.GetAttribute("data-connection"));
        Assert.Equal("finished", eth.QuerySelector("[data-connection]")!.TextContent.Trim());
        Assert.Contains("replay finished", eth.QuerySelector("[data-finished]")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("offline", eth.TextContent, StringComparison.Ordinal);
        Assert.Equal("Ended", cut.Find("tr[data-source=Replay]").GetAttribute("data-source-state"));
    }

    [Fact]
    public void With_no_active_source_after_a_finished_replay_the_header_says_so()
    {
        _status.Set(FinishedReplay(null));

        var cut = Render<OverviewPage>();

        var header = cut.Find("[data-active-source]");
        Assert.Equal(string.Empty, header.GetAttribute("data-active-source"));
        Assert.Equal("none: replay finished", header.TextContent.Trim());
    }

    [Fact]
    public void A_symbol_whose_source_is_down_without_a_price_says_source_offline()
    {
        _status.Set(new MarketDataStatus(null, [], [new SymbolSummary("ETHUSDT", null, null, null, SourceConnectionState.Disconnected, null)], null));

        var cut = Render<OverviewPage>();

        Assert.Equal("source offline", cut.Find("[data-symbol=ETHUSDT] [data-empty-reason]").TextContent.Trim());
        Assert.Equal("no data yet", cut.Find("[data-symbol=BTCUSDT] [data-empty-reason]").TextContent.Trim());
    }

    [Fact]
    public void Lists_the_sources_in_fallback_order_with_their_state()
    {
        _status.Set(LiveStatus());

        var cut = Render<OverviewPage>();

        var rows = cut.FindAll("tr[data-source]");
        Assert.Equal(["Binance", "Mexc", "Replay"], rows.Select(r => r.GetAttribute("data-source") ?? string.Empty).ToArray());
        Assert.Equal(["Connected", "Idle", "Failed"], rows.Select(r => r.GetAttribute("data-source-state") ?? string.Empty).ToArray());
        Assert.Contains("td-active-row", rows[0].ClassList);
        Assert.Contains("no files in data/replay", rows[2].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_changes_are_shown_on_the_next_refresh_tick()
    {
        _status.Set(LiveStatus());
        var cut = Render<OverviewPage>();

        _status.Publish(LiveStatus(ethChange: -0.005));
        Assert.Contains("+2.50 %", cut.Find("[data-symbol=ETHUSDT] .td-tile-change").TextContent, StringComparison.Ordinal);

        Time.Advance(OverviewPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Contains("-0.50 %", cut.Find("[data-symbol=ETHUSDT] .td-tile-change").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Alerts_are_listed_newest_first_and_new_ones_appear_live()
    {
        var first = _alerts.Raise(AlertSeverity.Warning, "MarketData", "Binance silent for 30 s");
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = _alerts.Raise(AlertSeverity.Info, "MarketData", "Switched to Mexc");
        var cut = Render<OverviewPage>();

        Assert.Equal([second.Id.ToString(), first.Id.ToString()], cut.FindAll("tr[data-alert-id]").Select(r => r.GetAttribute("data-alert-id") ?? string.Empty).ToArray());

        Time.Advance(TimeSpan.FromSeconds(1));
        var third = _alerts.Raise(AlertSeverity.Error, "Pipeline", "Feed faulted");
        Time.Advance(OverviewPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tr[data-alert-id]").Count));
        var top = cut.FindAll("tr[data-alert-id]")[0];
        Assert.Equal(third.Id.ToString(), top.GetAttribute("data-alert-id"));
        Assert.Equal("Error", top.GetAttribute("data-severity"));
        Assert.Contains("Feed faulted", top.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_page_ends_both_subscriptions()
    {
        Render<OverviewPage>();
        Assert.Equal(1, _status.SubscriberCount);

        await Ctx.DisposeComponentsAsync();

        Assert.Equal(0, _status.SubscriberCount);
        // An alert after disposal reaches nobody: nothing throws, nothing renders.
        _alerts.Raise(AlertSeverity.Info, "Test", "after dispose");
        Time.Advance(OverviewPage.RefreshInterval);
    }

    [Fact]
    public void Tiles_follow_settings_order_then_extra_symbols_from_the_feed()
    {
        var tiles = OverviewPage.BuildTiles(
            ["ETHUSDT", "BTCUSDT"],
            [new SymbolSummary("SOLUSDT", 150, 0, "Mexc", SourceConnectionState.Connected, null), new SymbolSummary("btcusdt", 1, 0, "Mexc", SourceConnectionState.Connected, null)]);

        Assert.Equal(["ETHUSDT", "BTCUSDT", "SOLUSDT"], tiles.Select(t => t.Symbol).ToArray());
        Assert.Null(tiles[0].Summary);
        Assert.Equal(1, tiles[1].Summary!.LastPrice);
    }
}
