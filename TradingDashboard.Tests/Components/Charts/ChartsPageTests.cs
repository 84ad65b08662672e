using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Components.Charts;
using TradingDashboard.Components.Pages.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class ChartsPageTests : ComponentTestBase
{
    private const string Eth = "ETHUSDT";
    private readonly FakeCandleCache _cache = new();
    private readonly FakeDataProcessorState _processor = new();
    private readonly List<OHLCVBar> _minuteBars = Candles.Series(Eth, Timeframe.OneMinute, 800);
    private readonly BunitJSModuleInterop _module;

    public ChartsPageTests()
    {
        // As in the real cache, the newest candle is still forming.
        _minuteBars[^1] = _minuteBars[^1] with { IsClosed = false };
        _cache.Seed(_minuteBars);
        _cache.Seed(Candles.Series(Eth, Timeframe.OneHour, 40));
        _cache.Seed(Candles.Series("BTCUSDT", Timeframe.OneMinute, 30));
        Ctx.Services.AddSingleton<ICandleCache>(_cache);
        // The candle tests run without processor data; the overlays have their own tests (ChartsPageOverlayTests).
        Ctx.Services.AddSingleton<IDataProcessorState>(_processor);
        Ctx.Services.AddSingleton<IProcessController>(new FakeProcessController(
            new ProcessInfo(DataProcessorService.ProcessName, "Indicators", ProcessState.Running, null, 0, 0, null, null)));
        _module = Ctx.JSInterop.SetupModule(CandlestickChart.ModulePath);
        _module.Mode = JSRuntimeMode.Loose;
    }

    private static string Meta(IRenderedComponent<ChartsPage> cut, string attribute) =>
        cut.Find("[data-candle-count]").GetAttribute(attribute) ?? string.Empty;

    private IReadOnlyList<JSRuntimeInvocation> ApplyCalls() =>
        _module.Invocations.Where(i => i.Identifier == "applyCandles").ToList();

    private static string PlotlyTime(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    [Fact]
    public void Renders_the_latest_500_candles_of_the_first_symbol_at_one_minute()
    {
        var cut = Render<ChartsPage>();

        Assert.Equal("500", Meta(cut, "data-candle-count"));
        Assert.Equal(Eth, Meta(cut, "data-symbol"));
        Assert.Equal("1m", Meta(cut, "data-timeframe"));
        // The 800th candle opened 799 minutes after the first.
        var lastOpen = DateTimeOffset.FromUnixTimeMilliseconds(Candles.StartMs + (799 * 60_000L));
        Assert.Equal(lastOpen.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Meta(cut, "data-last-candle"));
        Assert.Contains((Eth, Timeframe.OneMinute, 500), _cache.Reads);
        Assert.NotNull(cut.Find("#td-candles"));
        Assert.Equal("1", cut.Find("[data-page=charts]").GetAttribute("data-interactive"));
        Assert.Equal(1, _cache.SubscriberCount);
    }

    [Fact]
    public void A_new_candle_is_appended_on_the_next_ui_tick_only()
    {
        var cut = Render<ChartsPage>();
        var nextOpen = Candles.StartMs + (800 * 60_000L);

        _cache.Publish(Candles.At(Eth, Timeframe.OneMinute, nextOpen, close: 4321.5));
        Assert.Equal("500", Meta(cut, "data-candle-count"));
        Assert.Empty(ApplyCalls());

        Time.Advance(ChartsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("501", Meta(cut, "data-candle-count")));
        Assert.Equal("2024-05-01T13:20:00.000Z", Meta(cut, "data-last-candle"));
        Assert.Equal("4321.5", cut.Find("[data-last-close]").GetAttribute("data-last-close"));
        var call = Assert.Single(ApplyCalls());
        Assert.Equal("td-candles", call.Arguments[0]);
        var point = Assert.Single((CandlePoint[])call.Arguments[1]!);
        Assert.Equal(PlotlyTime(nextOpen), point.X);
        Assert.Equal(4321.5, point.Close);
        Assert.Equal(ChartsPage.MaxCandles, call.Arguments[2]);
    }

    [Fact]
    public void Updates_of_the_forming_candle_replace_it_and_a_burst_is_sent_once_with_the_latest_values()
    {
        var cut = Render<ChartsPage>();
        var lastOpen = _minuteBars[^1].OpenTimeMs;

        for (var i = 1; i <= 20; i++)
        {
            _cache.Publish(Candles.At(Eth, Timeframe.OneMinute, lastOpen, close: 3800 + i));
        }

        Time.Advance(ChartsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("3820", cut.Find("[data-last-close]").GetAttribute("data-last-close")));
        Assert.Equal("500", Meta(cut, "data-candle-count"));
        var call = Assert.Single(ApplyCalls());
        var point = Assert.Single((CandlePoint[])call.Arguments[1]!);
        Assert.Equal(PlotlyTime(lastOpen), point.X);
        Assert.Equal(3820, point.Close);
    }

    [Fact]
    public void Candles_of_other_symbols_and_timeframes_are_ignored()
    {
        var cut = Render<ChartsPage>();
        var nextOpen = Candles.StartMs + (800 * 60_000L);

        _cache.Publish(Candles.At("BTCUSDT", Timeframe.OneMinute, nextOpen, close: 65000));
        _cache.Publish(Candles.At(Eth, Timeframe.OneSecond, nextOpen, close: 4000));
        Time.Advance(ChartsPage.RefreshInterval);
        // A candle of the shown series afterwards proves the tick ran and only it was applied.
        _cache.Publish(Candles.At(Eth, Timeframe.OneMinute, nextOpen, close: 3999));
        Time.Advance(ChartsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("501", Meta(cut, "data-candle-count")));
        Assert.Equal("3999", cut.Find("[data-last-close]").GetAttribute("data-last-close"));
        var call = Assert.Single(ApplyCalls());
        Assert.Equal(3999, Assert.Single((CandlePoint[])call.Arguments[1]!).Close);
    }

    [Fact]
    public void Choosing_a_timeframe_reloads_that_series_from_the_cache()
    {
        var cut = Render<ChartsPage>();

        cut.Find("[data-timeframe=\"1h\"]").Click();

        Assert.Equal("1h", Meta(cut, "data-timeframe"));
        Assert.Equal("40", Meta(cut, "data-candle-count"));
        Assert.Equal((Eth, Timeframe.OneHour, ChartsPage.InitialCandles), _cache.Reads[^1]);

        // Live minute candles no longer concern the chart.
        _cache.Publish(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs + (800 * 60_000L), close: 1));
        Time.Advance(ChartsPage.RefreshInterval);
        _cache.Publish(Candles.At(Eth, Timeframe.OneHour, Candles.StartMs + (40 * 3_600_000L), close: 2));
        Time.Advance(ChartsPage.RefreshInterval);
        cut.WaitForAssertion(() => Assert.Equal("41", Meta(cut, "data-candle-count")));
    }

    [Fact]
    public void Query_string_selects_symbol_and_timeframe()
    {
        var nav = Ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        nav.NavigateTo("charts?symbol=btcusdt&tf=1m");

        var cut = Render<ChartsPage>();

        Assert.Equal("BTCUSDT", Meta(cut, "data-symbol"));
        Assert.Equal("30", Meta(cut, "data-candle-count"));
    }

    [Fact]
    public void Empty_cache_says_so_instead_of_drawing_numbers()
    {
        Ctx.Services.AddSingleton<ICandleCache>(new FakeCandleCache());

        var cut = Render<ChartsPage>();

        Assert.Equal("0", Meta(cut, "data-candle-count"));
        Assert.Contains("No candles for ETHUSDT 1m yet", cut.Find("[data-chart-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-last-close]"));
    }

    [Fact]
    public async Task Disposing_the_page_ends_the_subscription()
    {
        Render<ChartsPage>();
        Assert.Equal(1, _cache.SubscriberCount);
        Assert.Equal(1, _processor.SubscriberCount);

        await Ctx.DisposeComponentsAsync();

        Assert.Equal(0, _cache.SubscriberCount);
        Assert.Equal(0, _processor.SubscriberCount);
    }

    [Fact]
    public void Prerendering_does_not_subscribe()
    {
        RendererInfo = new Microsoft.AspNetCore.Components.RendererInfo("Static", false);

        var cut = Render<ChartsPage>();

        Assert.Equal("0", cut.Find("[data-page=charts]").GetAttribute("data-interactive"));
        Assert.Equal("500", Meta(cut, "data-candle-count"));
        Assert.Equal(0, _cache.SubscriberCount);
        Assert.Equal(0, _processor.SubscriberCount);
    }
}
