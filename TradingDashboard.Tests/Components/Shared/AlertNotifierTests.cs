using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using TradingDashboard.Components.Shared;
using TradingDashboard.Core.Alerts;

namespace TradingDashboard.Tests.Components.Shared;

public sealed class AlertNotifierTests : ComponentTestBase
{
    private readonly AlertService _alerts;

    public AlertNotifierTests()
    {
        _alerts = new AlertService(Time, NullLogger<AlertService>.Instance);
        Ctx.Services.AddSingleton<IAlertService>(_alerts);
    }

    private void Tick() => Time.Advance(AlertNotifier.Interval);

    [Theory]
    [InlineData(AlertSeverity.Info, Severity.Info)]
    [InlineData(AlertSeverity.Warning, Severity.Warning)]
    [InlineData(AlertSeverity.Error, Severity.Error)]
    public void A_new_alert_becomes_a_snackbar_with_its_severity(AlertSeverity alertSeverity, Severity expected)
    {
        var cut = Render<AlertNotifier>();

        _alerts.Raise(alertSeverity, "MarketData", "Switched to Mexc");
        Assert.Empty(Snackbar.ShownSnackbars);
        Tick();

        cut.WaitForAssertion(() => Assert.Single(Snackbar.ShownSnackbars));
        var snackbar = Snackbar.ShownSnackbars.Single();
        Assert.Equal("MarketData: Switched to Mexc", snackbar.Message);
        Assert.Equal(expected, snackbar.Severity);
    }

    [Fact]
    public void Alerts_are_shown_one_per_tick()
    {
        var cut = Render<AlertNotifier>();

        _alerts.Raise(AlertSeverity.Info, "A", "one");
        _alerts.Raise(AlertSeverity.Info, "A", "two");
        _alerts.Raise(AlertSeverity.Info, "A", "three");

        // Oldest first, one per tick.
        string[] expected = ["A: one", "A: two", "A: three"];
        for (var shown = 1; shown <= expected.Length; shown++)
        {
            Tick();
            var count = shown;
            cut.WaitForAssertion(() => Assert.Equal(count, Snackbar.ShownSnackbars.Count()));
            Assert.Equal(expected.Take(count).Order(), Snackbar.ShownSnackbars.Select(s => s.Message).Order());
        }

        Tick();
        Assert.Equal(3, Snackbar.ShownSnackbars.Count());
    }

    [Fact]
    public void A_burst_beyond_the_backlog_is_collapsed_into_one_summary()
    {
        var cut = Render<AlertNotifier>();

        for (var i = 1; i <= AlertNotifier.MaxBacklog + 3; i++)
        {
            _alerts.Raise(i == 2 ? AlertSeverity.Error : AlertSeverity.Warning, "Feed", $"gap {i}");
        }

        Tick();

        cut.WaitForAssertion(() => Assert.Single(Snackbar.ShownSnackbars));
        var summary = Snackbar.ShownSnackbars.Single();
        Assert.StartsWith("8 alerts (1 errors). Latest: Feed: gap 8.", summary.Message, StringComparison.Ordinal);
        Assert.Equal(Severity.Error, summary.Severity);
        Tick();
        Assert.Single(Snackbar.ShownSnackbars);
    }

    [Fact]
    public async Task After_disposal_alerts_no_longer_show()
    {
        Render<AlertNotifier>();
        await Ctx.DisposeComponentsAsync();

        _alerts.Raise(AlertSeverity.Error, "Pipeline", "faulted");
        Tick();

        Assert.Empty(Snackbar.ShownSnackbars);
    }

    [Fact]
    public void Prerendering_does_not_subscribe()
    {
        RendererInfo = new Microsoft.AspNetCore.Components.RendererInfo("Static", false);
        Render<AlertNotifier>();

        _alerts.Raise(AlertSeverity.Error, "Pipeline", "faulted");
        Tick();

        Assert.Empty(Snackbar.ShownSnackbars);
    }
}
