using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using TradingDashboard.Components.Pages.Processes;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.System;

public sealed class SystemPageTests : ComponentTestBase
{
    private static readonly DateTimeOffset Started = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeProcessController _controller = new(
        new ProcessInfo("MarketDataFeed", "Streams trades into candles", ProcessState.Running, Started, 12.5, 12345, null, null),
        new ProcessInfo("Backfill", "Loads history", ProcessState.Stopped, null, 0, 0, "HTTP 429 from REST", Started));

    private readonly FakeMarketDataStatusProvider _marketData = new();

    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    public SystemPageTests()
    {
        Ctx.Services.AddSingleton<IProcessController>(_controller);
        Ctx.Services.AddSingleton<IMarketDataStatusProvider>(_marketData);
        _auth = Ctx.AddAuthorization();
    }

    private void SignIn(string name, string role)
    {
        _auth.SetAuthorized(name);
        _auth.SetRoles(role);
    }

    private static AngleSharp.Dom.IElement Switch(IRenderedComponent<SystemPage> cut, string process) =>
        cut.Find($"tr[data-process={process}] .mud-switch input[type=checkbox]");

    [Fact]
    public void Lists_each_process_with_state_rate_total_and_last_error()
    {
        SignIn("alice", "Admin");

        var cut = Render<SystemPage>();

        var rows = cut.FindAll("tr[data-process]");
        Assert.Equal(["MarketDataFeed", "Backfill"], rows.Select(r => r.GetAttribute("data-process") ?? string.Empty).ToArray());
        Assert.Equal("Running", rows[0].QuerySelector("[data-state]")!.GetAttribute("data-state"));
        Assert.Equal("Stopped", rows[1].QuerySelector("[data-state]")!.GetAttribute("data-state"));
        Assert.Contains("12.5", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("12,345", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("2024-05-01 10:00:00 UTC", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("HTTP 429 from REST", rows[1].QuerySelector("[data-last-error]")!.GetAttribute("data-last-error"));
        Assert.True(Switch(cut, "MarketDataFeed").HasAttribute("checked"));
        Assert.False(Switch(cut, "Backfill").HasAttribute("checked"));
    }

    [Fact]
    public void A_finished_replay_is_named_in_the_header_only_when_it_has_ended()
    {
        SignIn("alice", "Admin");
        var cut = Render<SystemPage>();
        Assert.Empty(cut.FindAll("[data-source-ended]"));

        _marketData.Publish(new MarketDataStatus(
            "Replay",
            [new SourceStatus("Replay", SourceConnectionState.Ended, "replay finished, end of its files (10 messages)", null, Polling: false)],
            [],
            null));
        Time.Advance(SystemPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("market data: replay finished", cut.Find("[data-source-ended=Replay]").TextContent.Trim()));
    }

    [Fact]
    public void Switches_are_enabled_for_an_admin()
    {
        SignIn("alice", "Admin");

        var cut = Render<SystemPage>();

        Assert.False(Switch(cut, "MarketDataFeed").HasAttribute("disabled"));
        Assert.False(Switch(cut, "Backfill").HasAttribute("disabled"));
        Assert.Equal("1", cut.Find("[data-page=system]").GetAttribute("data-can-control"));
    }

    [Fact]
    public void Switches_are_disabled_for_a_viewer()
    {
        SignIn("victor", "Viewer");

        var cut = Render<SystemPage>();

        Assert.True(Switch(cut, "MarketDataFeed").HasAttribute("disabled"));
        Assert.True(Switch(cut, "Backfill").HasAttribute("disabled"));
        Assert.NotNull(cut.Find("[data-read-only]"));
    }

    [Fact]
    public void Toggling_calls_the_controller_with_the_signed_in_admin_as_actor()
    {
        SignIn("alice", "Admin");
        var cut = Render<SystemPage>();

        Switch(cut, "Backfill").Change(true);
        Switch(cut, "MarketDataFeed").Change(false);

        var expectedActor = new Actor("alice", UserRole.Admin, null);
        Assert.Equal([("start", "Backfill", expectedActor), ("stop", "MarketDataFeed", expectedActor)], _controller.Calls);
        cut.WaitForAssertion(() => Assert.Equal("Running", cut.Find("tr[data-process=Backfill] [data-state]").GetAttribute("data-state")));
        Assert.Equal("Stopped", cut.Find("tr[data-process=MarketDataFeed] [data-state]").GetAttribute("data-state"));
    }

    [Fact]
    public void A_refused_action_is_shown_as_an_error_snackbar()
    {
        SignIn("alice", "Admin");
        _controller.DenyEveryone = true;
        var cut = Render<SystemPage>();

        Switch(cut, "Backfill").Change(true);

        var snackbar = Assert.Single(Snackbar.ShownSnackbars);
        Assert.Equal(Severity.Error, snackbar.Severity);
        Assert.StartsWith("Access denied: cannot start Backfill.", snackbar.Message, StringComparison.Ordinal);
        Assert.Equal("Stopped", cut.Find("tr[data-process=Backfill] [data-state]").GetAttribute("data-state"));
        Assert.False(Switch(cut, "Backfill").HasAttribute("checked"));
    }

    [Fact]
    public void State_changes_from_the_pipeline_appear_on_the_next_refresh_tick()
    {
        SignIn("victor", "Viewer");
        var cut = Render<SystemPage>();

        _controller.Publish(new ProcessInfo("MarketDataFeed", "Streams trades into candles", ProcessState.Faulted, null, 0, 12345, "socket closed", Started));
        Assert.Equal("Running", cut.Find("tr[data-process=MarketDataFeed] [data-state]").GetAttribute("data-state"));

        Time.Advance(SystemPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("Faulted", cut.Find("tr[data-process=MarketDataFeed] [data-state]").GetAttribute("data-state")));
        Assert.Equal("socket closed", cut.Find("tr[data-process=MarketDataFeed] [data-last-error]").GetAttribute("data-last-error"));
    }

    [Fact]
    public async Task Disposing_the_page_ends_the_subscription()
    {
        SignIn("alice", "Admin");
        Render<SystemPage>();
        Assert.Equal(1, _controller.SubscriberCount);

        await Ctx.DisposeComponentsAsync();

        Assert.Equal(0, _controller.SubscriberCount);
    }
}
