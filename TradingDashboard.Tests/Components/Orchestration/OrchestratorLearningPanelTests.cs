using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Components.Pages.Orchestrator;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Security;
using TradingDashboard.Tests.Orchestration;
using TradingDashboard.Tests.Reinforcement;

namespace TradingDashboard.Tests.Components.Orchestration;

public sealed class OrchestratorLearningPanelTests : ComponentTestBase, IDisposable
{
    private readonly ThresholdTestDatabase _db = new(entry: 0.6, exit: 0.4);
    private readonly string _models = PolicyTestKit.TempFolder();
    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;
    private readonly SqliteDecisionOutcomeStore _store;
    private readonly OrchestratorLearningService _learning;
    private readonly RlPolicyRegistry _registry;
    private readonly TrainedGate _gate;

    public OrchestratorLearningPanelTests()
    {
        var alerts = new AlertService(Time, NullLogger<AlertService>.Instance);
        _store = new SqliteDecisionOutcomeStore(_db.Open());
        _registry = new RlPolicyRegistry(PolicyTestKit.Sessions(), new ModelsFolder(_models), Options.Create(new ModelsOptions { UseCuda = false }), alerts, _db.Audit, Time, NullLogger<RlPolicyRegistry>.Instance);
        _gate = new TrainedGate(PolicyTestKit.Sessions(), new ModelsFolder(_models), new RecentAccuracyGate(0.1), alerts, _db.Audit, Time, NullLogger<TrainedGate>.Instance);
        _learning = new OrchestratorLearningService(
            _store, _db.Audit, alerts, Options.Create(new OrchestratorLearningOptions()), Options.Create(new OrchestratorOptions()),
            new ModelsFolder(_models), ["rule"], "ETHUSDT", Time, NullLogger<OrchestratorLearningService>.Instance);
        _auth = Ctx.AddAuthorization();
        Ctx.Services.AddScoped(sp => new CurrentActor(sp.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>()) { Address = "10.0.0.9" });
        Ctx.Services.AddSingleton<IOrchestratorFeed>(new OrchestratorFeed(10));
        Ctx.Services.AddSingleton<IThresholdStore>(_db.Store);
        Ctx.Services.AddSingleton(_registry);
        Ctx.Services.AddSingleton<IGate>(_gate);
        Ctx.Services.AddSingleton<IDecisionOutcomeStore>(_store);
        Ctx.Services.AddSingleton<IOrchestratorLearning>(_learning);
    }

    public void Dispose()
    {
        _learning.Dispose();
        _registry.Dispose();
        _gate.Dispose();
        _db.Dispose();
        try
        {
            Directory.Delete(_models, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private void SignIn(string name, string role)
    {
        _auth.SetAuthorized(name);
        _auth.SetRoles(role);
    }

    [Fact]
    public void A_viewer_sees_the_rl_gate_recording_and_learning_status_but_no_retrain_button()
    {
        SignIn("victor", "Viewer");

        var cut = Render<OrchestratorPage>();

        Assert.Contains("no RL model loaded", cut.Find("[data-rl-status]").TextContent, StringComparison.Ordinal);
        Assert.Contains("recent-accuracy (no trained gate loaded)", cut.Find("[data-gate-status]").TextContent, StringComparison.Ordinal);
        Assert.Equal("0", cut.Find("[data-recorded]").TextContent);
        Assert.Contains("trainer not available", cut.Find("[data-learning-track=gate]").TextContent, StringComparison.Ordinal);
        Assert.Contains("trainer not available", cut.Find("[data-learning-track=rl]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-retrain]"));
    }

    [Fact]
    public async Task An_admin_gets_both_buttons_and_a_click_goes_to_the_service_as_that_admin()
    {
        SignIn("alice", "Admin");

        var cut = Render<OrchestratorPage>();
        Assert.Equal(2, cut.FindAll("[data-retrain]").Count);

        await cut.Find("[data-retrain=gate]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        await cut.Find("[data-retrain=rl]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        var entries = _db.Audit.Entries.Where(e => e.Action.StartsWith("orchestrator.retrain", StringComparison.Ordinal)).ToList();
        Assert.Equal([OrchestratorLearningService.GateAuditAction, OrchestratorLearningService.RlAuditAction], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.True(e.Allowed));
        Assert.All(entries, e => Assert.Equal("alice", e.Actor));
        Assert.All(entries, e => Assert.Contains("trainer not available", e.After, StringComparison.Ordinal));
    }
}
