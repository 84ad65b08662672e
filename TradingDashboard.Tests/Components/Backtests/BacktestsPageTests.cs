using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Components.Pages.Backtests;
using TradingDashboard.Components.Pages.Trading;
using TradingDashboard.Security;
using TradingDashboard.Tests.Risk;
using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components.Backtests;

public sealed class BacktestsPageTests : ComponentTestBase, IDisposable
{
    private readonly InMemoryCandleStore _store = new(BacktestPageTestKit.Bars());
    private readonly RecordingAuditLog _audit;
    private readonly BacktestJobService _jobs;
    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    public BacktestsPageTests()
    {
        _audit = new RecordingAuditLog(Time);
        _jobs = BacktestPageTestKit.Service(_store, _audit, Time);
        Ctx.Services.AddSingleton(_jobs);
        Ctx.Services.AddScoped<CurrentActor>();
        _auth = Ctx.AddAuthorization();
    }

    private void SignIn(string name, string role)
    {
        _auth.SetAuthorized(name);
        _auth.SetRoles(role);
    }

    private static void Fill(IRenderedComponent<BacktestsPage> cut)
    {
        cut.Find("#bt-strategy").Change("ma-cross");
        cut.Find("#bt-params").Change("5:20");
        cut.Find("#bt-timeframe").Change("1m");
        cut.Find("#bt-from").Change("2024-01-01");
        cut.Find("#bt-to").Change("2024-01-02");
    }

    [Fact]
    public void Before_any_run_the_page_says_so_and_a_viewer_cannot_launch()
    {
        SignIn("victor", "Viewer");

        var cut = Render<BacktestsPage>();

        Assert.Equal("No backtest run yet.", cut.Find("[data-backtest-empty]").TextContent.Trim());
        Assert.Equal("0", cut.Find("[data-page=backtests]").GetAttribute("data-can-launch"));
        Assert.True(cut.Find("#bt-launch").HasAttribute("disabled"));
        Assert.NotNull(cut.Find("[data-read-only]"));
        var strategies = cut.FindAll("#bt-strategy option").Select(o => o.GetAttribute("value") ?? string.Empty).ToArray();
        Assert.Equal(["buy-and-hold", "ma-cross", "rule"], strategies);
    }

    [Fact]
    public async Task An_admin_launches_a_run_and_sees_the_real_backtesters_result_beside_buy_and_hold()
    {
        SignIn("alice", "Admin");
        var expected = await BacktestPageTestKit.ExpectedAsync();
        var cut = Render<BacktestsPage>();

        Fill(cut);
        cut.Find("#bt-launch").Click();
        await _jobs.Completion;
        Time.Advance(TradingPageBase.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("Completed", cut.Find("[data-job]").GetAttribute("data-job-state")));
        Assert.Equal(expected.FinalEquity.ToString("#,##0.00", CultureInfo.InvariantCulture), cut.Find("[data-final-equity]").TextContent.Trim());
        Assert.Equal(expected.Fills.Count.ToString(CultureInfo.InvariantCulture), cut.Find("[data-fill-count]").TextContent.Trim());
        Assert.True(expected.Fills.Count > 0, "the generated walk should make the MA cross trade");

        var totalReturn = cut.Find("tr[data-metric=total-return]");
        Assert.Equal((expected.Metrics.TotalReturn * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %", totalReturn.QuerySelector("[data-strategy]")!.TextContent.Trim());
        Assert.Equal((expected.BenchmarkMetrics.TotalReturn * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %", totalReturn.QuerySelector("[data-benchmark]")!.TextContent.Trim());
        var drawdown = cut.Find("tr[data-metric=max-drawdown] [data-strategy]").TextContent.Trim();
        Assert.Equal((expected.Metrics.MaxDrawdown * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %", drawdown);
        var profitFactor = cut.Find("tr[data-metric=profit-factor] [data-strategy]").TextContent.Trim();
        var expectedPf = expected.Metrics.ProfitFactor is { } pf ? pf.ToString("0.00", CultureInfo.InvariantCulture)
            : expected.Metrics.Trades == 0 ? "n/a (no trades)" : "n/a (no losing trade)";
        Assert.Equal(expectedPf, profitFactor);
        Assert.Equal(2, cut.FindAll("[data-figure]").Count);

        var audit = Assert.Single(_audit.Entries);
        Assert.Equal(("alice", "backtest", true), (audit.Actor, audit.Action, audit.Allowed));
    }

    [Fact]
    public async Task Progress_is_shown_while_the_candles_load_and_an_admin_can_cancel()
    {
        SignIn("alice", "Admin");
        _store.Gate = new TaskCompletionSource();
        var cut = Render<BacktestsPage>();
        Fill(cut);

        cut.Find("#bt-launch").Click();
        Time.Advance(TradingPageBase.RefreshInterval);
        cut.WaitForAssertion(() => Assert.Equal("Loading", cut.Find("[data-job]").GetAttribute("data-job-state")));
        Assert.NotNull(cut.Find("[data-progress]"));
        Assert.True(cut.Find("#bt-launch").HasAttribute("disabled"));

        cut.Find("#bt-cancel").Click();
        await _jobs.Completion;
        Time.Advance(TradingPageBase.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("Canceled", cut.Find("[data-job]").GetAttribute("data-job-state")));
        Assert.False(cut.Find("#bt-launch").HasAttribute("disabled"));
    }

    public void Dispose()
    {
        _store.Gate?.TrySetResult();
        _jobs.Dispose();
    }
}
