using System.Globalization;
using Microsoft.Playwright;
using TradingDashboard.Components.Pages.Charts;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// The Charts page in Chromium against the real host and pipeline: replayed 1m klines reach the candle cache, the
/// page and Plotly's SVG (one <c>path.box</c> per candle in the candlestick trace).
/// </summary>
[Trait("Category", "Browser")]
[Collection(ReplayHostCollection.Name)]
public sealed class ChartsBrowserTests(ReplayHostFixture host)
{
    private const long HourMs = 3_600_000;

    [Fact]
    public async Task Admin_signs_in_sees_the_replayed_candles_drawn_and_switches_to_1h()
    {
        var klines = host.Klines;
        var symbol = ReplayHostFixture.Symbols[0].Symbol;
        var (lastOpenPrice, lastClosePrice) = klines.LastKline[symbol];
        var lastClose = (double)lastClosePrice;
        var page = await host.NewPageAsync();
        try
        {
            await host.SignInThroughFormAsync(page, "/charts", HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);

            // 1m: the fixture has 1800 candles, the page loads the newest InitialCandles of them.
            var meta = page.Locator("[data-candle-count][data-timeframe='1m']");
            await meta.WaitForAsync();
            Assert.Equal(symbol, await meta.GetAttributeAsync("data-symbol"));
            await WaitForPlotAsync(page, ChartsPage.InitialCandles, lastClose);
            Assert.Equal(ChartsPage.InitialCandles, await CandleCountAsync(meta));
            Assert.Equal(Iso(klines.LastOpenMs), await meta.GetAttributeAsync("data-last-candle"));
            Assert.Equal(ChartsPage.InitialCandles, await CandlePathsAsync(page));
            Assert.Equal(Iso(klines.LastOpenMs - ((ChartsPage.InitialCandles - 1) * KlineFixtureFiles.MinuteMs)), await FirstPlottedTimeAsync(page));

            // The newest candle's summary: its change against its open, in percent with two decimals.
            var change = (lastClosePrice - lastOpenPrice) / lastOpenPrice * 100;
            var expectedChange = (change >= 0 ? "+" : string.Empty) + change.ToString("0.00", CultureInfo.InvariantCulture) + " %";
            Assert.Contains(expectedChange, await page.Locator(".td-ohlc").InnerTextAsync(), StringComparison.Ordinal);

            // 1h: rolled up from the 1m history (whole hours only) plus the hour in progress, rolled up live.
            var expectedHours = ExpectedHourCandles(klines.FirstOpenMs, klines.LastOpenMs);
            await page.Locator("button[data-timeframe='1h']").ClickAsync();
            var hourMeta = page.Locator("[data-candle-count][data-timeframe='1h']");
            await hourMeta.WaitForAsync();
            await WaitForPlotAsync(page, expectedHours, lastClose);
            Assert.Equal(expectedHours, await CandleCountAsync(hourMeta));
            Assert.Equal(Iso(klines.LastOpenMs / HourMs * HourMs), await hourMeta.GetAttributeAsync("data-last-candle"));
            Assert.Equal(expectedHours, await CandlePathsAsync(page));
            Assert.Equal("true", await page.Locator("button[data-timeframe='1h']").GetAttributeAsync("aria-pressed"));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// Hour buckets the 1m fixture covers from :00 to :59 (the replay's history roll-up keeps only those), plus one
    /// forming candle when the last hour is partial (the data provider seeds it from that hour's 1m candles).
    /// </summary>
    private static int ExpectedHourCandles(long firstOpenMs, long lastOpenMs)
    {
        var whole = 0;
        for (var bucket = (firstOpenMs + HourMs - 1) / HourMs * HourMs; bucket + HourMs - KlineFixtureFiles.MinuteMs <= lastOpenMs; bucket += HourMs)
        {
            whole++;
        }

        var lastHourPartial = lastOpenMs % HourMs != HourMs - KlineFixtureFiles.MinuteMs;
        return whole + (lastHourPartial ? 1 : 0);
    }

    /// <summary>Waits until Plotly holds <paramref name="count"/> candles whose last close is <paramref name="lastClose"/>.</summary>
    private static Task WaitForPlotAsync(IPage page, int count, double lastClose) =>
        page.WaitForFunctionAsync(
            """
            ([count, lastClose]) => {
                const plot = document.getElementById('td-candles');
                const trace = plot && plot.data && plot.data[0];
                return !!trace && trace.type === 'candlestick' && trace.x.length === count
                    && Math.abs(trace.close[trace.close.length - 1] - lastClose) < 1e-9
                    && plot.querySelectorAll('.boxlayer .trace.boxes path.box').length === count;
            }
            """,
            new object[] { count, lastClose });

    private static async Task<int> CandleCountAsync(ILocator meta) =>
        int.Parse(await meta.GetAttributeAsync("data-candle-count") ?? "-1", CultureInfo.InvariantCulture);

    private static Task<int> CandlePathsAsync(IPage page) =>
        page.Locator("#td-candles .boxlayer .trace.boxes path.box").CountAsync();

    /// <summary>The first x of the candlestick trace, as the ISO time the page writes into data-last-candle.</summary>
    private static async Task<string> FirstPlottedTimeAsync(IPage page)
    {
        var x = await page.EvaluateAsync<string>("() => String(document.getElementById('td-candles').data[0].x[0])");
        return Iso(DateTimeOffset.Parse(x + "Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
    }

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
