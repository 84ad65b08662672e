using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// The real host on Kestrel (127.0.0.1, free port) with the real pipeline: the Replay source alone, reading
/// generated 1m klines (<see cref="KlineFixtureFiles"/>) as fast as it can (ReplaySpeed 0), plus one headless
/// Chromium. Shared by the browser tests of <see cref="ReplayHostCollection"/>; each test opens its own browser
/// context (own cookies) through <see cref="NewPageAsync"/>.
/// </summary>
public sealed class ReplayHostFixture : IAsyncLifetime
{
    /// <summary>1m klines per symbol: 30 hours, enough for 500 candles on 1m and a day of 1h candles.</summary>
    public const int FixtureMinutes = 1800;

    /// <summary>Longest wait for anything a test waits on (page, circuit, state change); generous for 2 busy cores.</summary>
    public const float WaitMs = 20_000;

    public static readonly IReadOnlyList<(string Symbol, decimal StartPrice)> Symbols = [("ETHUSDT", 2300m), ("BTCUSDT", 43000m)];

    private IPlaywright? _playwright;

    public KlineFixtureFiles Klines { get; private set; } = null!;

    public HostFactory Factory { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port, no trailing slash.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Klines = KlineFixtureFiles.Write(Symbols, FixtureMinutes, TimeProvider.System.GetUtcNow());
        Factory = HostFactory.Create(o =>
        {
            o.UseKestrel = true;
            o.UseFakeMarketData = false;
            o.Settings["Trading:Symbols:0"] = Symbols[0].Symbol;
            o.Settings["Trading:Symbols:1"] = Symbols[1].Symbol;
            o.Settings["Trading:MarketData:Sources"] = "Replay";
            o.Settings["Trading:MarketData:ReplayDirectory"] = Klines.Directory;
            o.Settings["Trading:MarketData:ReplaySpeed"] = "0";
        });
        BaseUrl = Factory.ServerAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        Klines?.Dispose();
    }

    /// <summary>The host's real process controller.</summary>
    public IProcessController Processes => Factory.Services.GetRequiredService<IProcessController>();

    public ProcessInfo Process(string name) => Processes.List().Single(p => p.Name == name);

    /// <summary>Polls <paramref name="condition"/> (server side) every 50 ms until it holds; fails with <paramref name="what"/> after <see cref="WaitMs"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(WaitMs / 1000 * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                Assert.Fail($"Timed out after {WaitMs / 1000:0} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A page in a fresh browser context (no cookies) with the host as base address. Close its context when done.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        context.SetDefaultTimeout(WaitMs);
        return await context.NewPageAsync();
    }

    /// <summary>Opens <paramref name="path"/>, is sent to the login form, signs in there and waits until the page is back and interactive.</summary>
    public async Task SignInThroughFormAsync(IPage page, string path, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(path);
        Assert.StartsWith(BaseUrl + "/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#login-username", userName);
        await page.FillAsync("#login-password", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(BaseUrl + path);
        await WaitForInteractiveAsync(page);
    }

    /// <summary>Waits for the Blazor circuit: clicks before it are lost on the prerendered HTML.</summary>
    public static Task WaitForInteractiveAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.Locator(".td-page[data-interactive='1']").WaitForAsync();
    }
}

/// <summary>The browser tests that share one <see cref="ReplayHostFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ReplayHostCollection : ICollectionFixture<ReplayHostFixture>
{
    public const string Name = "Browser: real host with replay";
}
