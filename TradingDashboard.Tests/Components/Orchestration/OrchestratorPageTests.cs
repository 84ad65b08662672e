using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Components.Pages.Orchestrator;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Security;
using TradingDashboard.Tests.Orchestration;

namespace TradingDashboard.Tests.Components.Orchestration;

public sealed class OrchestratorPageTests : ComponentTestBase, IDisposable
{
    private const string Address = "10.0.0.9";
    private readonly ThresholdTestDatabase _db = new(entry: 0.6, exit: 0.4);
    private readonly OrchestratorFeed _feed = new(100);
    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    public OrchestratorPageTests()
    {
        _auth = Ctx.AddAuthorization();
        Ctx.Services.AddScoped(sp => new CurrentActor(sp.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>()) { Address = Address });
        Ctx.Services.AddSingleton<IOrchestratorFeed>(_feed);
        Ctx.Services.AddSingleton<IThresholdStore>(_db.Store);
    }

    public void Dispose() => _db.Dispose();

    private void SignIn(string name, string role)
    {
        _auth.SetAuthorized(name);
        _auth.SetRoles(role);
    }

    private static OrchestratorDecision Decision(DateTimeOffset time, AgentAction action, double confidence, DecisionKind kind, double ruleWeight)
    {
        ExpertVoteRecord[] votes =
        [
            new("rule", ExpertVote.Create(AgentAction.Buy, 1, "close above L2 pivot high"), ruleWeight),
            new("cnn", ExpertVote.Create(AgentAction.Hold, 0.3, "no pivot predicted"), 1 - ruleWeight),
        ];
        return new OrchestratorDecision(
            new TradingAction("ETHUSDT", action, confidence, "orchestrator", $"Buy {confidence:0.000}; gate recent-accuracy: rule w={ruleWeight:0.000}", time),
            AgentAction.Buy, confidence, kind, new ConfidenceThresholds(0.6, 0.4, true), "recent-accuracy", VolatilityRegime.Unknown, votes, null)
        { Execution = "advisory: Trading:Orchestrator:Trades is off" };
    }

    private void Publish()
    {
        var t = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var stats = new OrchestratorStats(2, 1, 0, 1, 0);
        ExpertScore[] before = [new("rule", 10, 4, 3, 2, 2.0 / 3, 0.012), new("cnn", 8, 0, 0, 0, null, 0)];
        ExpertScore[] board = [before[0] with { PnlContribution = -0.00346, AttributedTrades = 2 }, before[1] with { PnlContribution = 0, AttributedTrades = 0 }];
        var trade = new AttributedTrade("ETHUSDT", 1, 2000, 1990, 0.5, -0.003, t.AddHours(-2), t.AddHours(-1), new Dictionary<string, double> { ["rule"] = 1 });
        _feed.Publish(Decision(t, AgentAction.Hold, 0.55, DecisionKind.AvoidedEntry, 0.55), before, stats);
        _feed.Publish(Decision(t.AddMinutes(1), AgentAction.Buy, 0.62, DecisionKind.Entry, 0.62), board, stats, trade);
    }

    [Fact]
    public void A_viewer_sees_current_thresholds_actions_and_leaderboard_but_no_slider()
    {
        SignIn("victor", "Viewer");
        Publish();

        var cut = Render<OrchestratorPage>();

        Assert.Equal("0", cut.Find("[data-page=orchestrator]").GetAttribute("data-can-control"));
        Assert.NotNull(cut.Find("[data-read-only]"));
        Assert.Empty(cut.FindAll("[data-threshold-slider]"));
        Assert.Empty(cut.FindAll("[data-threshold-apply]"));
        Assert.Empty(cut.FindAll(".mud-slider"));
        var eth = cut.Find("[data-threshold-symbol=ETHUSDT]");
        Assert.Equal("0.60", eth.QuerySelector("[data-entry]")!.TextContent);
        Assert.Equal("0.40", eth.QuerySelector("[data-exit]")!.TextContent);

        // Newest first, with its confidence and reason.
        var rows = cut.FindAll("[data-action]");
        Assert.Equal(2, rows.Count);
        Assert.Equal("Buy", rows[0].GetAttribute("data-action"));
        Assert.Equal("0.62", rows[0].QuerySelector("[data-confidence]")!.TextContent);
        Assert.Contains("rule w=0.620", rows[0].QuerySelector("[data-reason]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("AvoidedEntry", rows[1].GetAttribute("data-kind"));

        Assert.Equal("66.7 %", cut.Find("[data-expert=rule] [data-accuracy]").TextContent);
        Assert.Equal("+1.20 %", cut.Find("[data-expert=rule] [data-signed-return]").TextContent);
        Assert.Equal("—", cut.Find("[data-expert=cnn] [data-accuracy]").TextContent);
        Assert.Equal("-0.35 % (2 trades)", cut.Find("[data-expert=rule] [data-pnl-contribution]").TextContent);
        Assert.Equal("+0.00 % (0 trades)", cut.Find("[data-expert=cnn] [data-pnl-contribution]").TextContent);
        Assert.Contains("ETHUSDT long 2024-05-01 10:00 → 2024-05-01 11:00 UTC, -0.30 % of equity", cut.Find("[data-last-trade]").TextContent, StringComparison.Ordinal);
        Assert.Contains("PnL contribution", cut.Find("[data-leaderboard-note]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-figure=gate-weights][data-symbol=ETHUSDT]"));
        Assert.Equal("1", cut.Find("[data-stat-avoided]").TextContent);
    }

    [Fact]
    public async Task An_admin_gets_sliders_per_symbol_and_apply_goes_through_the_store_as_that_admin()
    {
        SignIn("alice", "Admin");

        var cut = Render<OrchestratorPage>();

        Assert.Equal("1", cut.Find("[data-page=orchestrator]").GetAttribute("data-can-control"));
        // Two symbols x (entry, exit).
        Assert.Equal(4, cut.FindAll("[data-threshold-slider] .mud-slider").Count);
        Assert.NotNull(cut.Find("[data-actions-empty]"));

        await _db.Store.SetAsync(new Actor("bob", UserRole.Admin, null), "BTCUSDT", 0.8, 0.5);
        Time.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Equal("0.80", cut.Find("[data-threshold-symbol=BTCUSDT] [data-entry]").TextContent));

        await cut.Find("[data-threshold-apply=ETHUSDT]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        var entry = _db.Audit.Entries.Last();
        Assert.True(entry.Allowed);
        Assert.Equal("alice", entry.Actor);
        Assert.Equal(Address, entry.Address);
        Assert.Equal("ETHUSDT", entry.Target);
        Assert.False(_db.Store.Get("ETHUSDT").IsDefault);
        cut.WaitForAssertion(() => Assert.Contains("alice", cut.Find("[data-threshold-symbol=ETHUSDT] [data-set-by]").TextContent, StringComparison.Ordinal));
    }
}
