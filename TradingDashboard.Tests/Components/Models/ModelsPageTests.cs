using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Components.Pages.Models;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Security;
using TradingDashboard.Security;
using TradingDashboard.Tests.Components.Fakes;
using static TradingDashboard.Tests.Components.Fakes.ModelFixtures;

namespace TradingDashboard.Tests.Components.Models;

public sealed class ModelsPageTests : ComponentTestBase
{
    private const string Address = "10.0.0.7";
    private readonly FakeModelRegistry _registry = new();
    private readonly FakeContinualLearning _learning = new();
    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    public ModelsPageTests()
    {
        _auth = Ctx.AddAuthorization();
        Ctx.Services.AddScoped(sp => new CurrentActor(sp.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>()) { Address = Address });
        var validation = new ModelMetrics(0.61, 0.432, []);
        var test = new ModelMetrics(0.66, 0.397, []);
        _registry.Registered.Add(Model(Card("cnn-a", gate: 0.432, validation: validation, test: test), "cnn", active: true, provider: "CUDA", latency: new LatencySummary(100, 412, 1250)));
        _registry.Registered.Add(Model(Card("cnn-b", version: "20240501T0900Z", gate: 0.45), "cnn", active: false));
        _registry.RefusedFiles.Add(new RefusedModel("cnn-old.onnx", "feature schema hash 1234 differs from the running schema abcd", new DateTimeOffset(2024, 5, 1, 11, 0, 0, TimeSpan.Zero)));
        _learning.Status = new ContinualLearningStatus(true, false, 120, 500, new DateTimeOffset(2024, 4, 30, 6, 0, 0, TimeSpan.Zero), "run-42", "Promoted cnn-a (gate 0.432 ≥ 0.401).");
    }

    private void SignIn(string name, string role)
    {
        _auth.SetAuthorized(name);
        _auth.SetRoles(role);
    }

    private void AddServices()
    {
        Ctx.Services.AddSingleton<IModelRegistry>(_registry);
        Ctx.Services.AddSingleton<IContinualLearning>(_learning);
    }

    [Fact]
    public void Lists_each_model_with_provider_active_badge_latency_and_card_metrics_and_the_refused_files()
    {
        SignIn("victor", "Viewer");
        AddServices();

        var cut = Render<ModelsPage>();

        var a = cut.Find("[data-model=cnn-a]");
        Assert.Equal("1", a.GetAttribute("data-active"));
        Assert.NotNull(a.QuerySelector("[data-active-badge]"));
        Assert.Equal("CUDA", a.QuerySelector("[data-provider]")!.GetAttribute("data-provider"));
        Assert.Equal("412 µs", a.QuerySelector("[data-p50]")!.TextContent);
        Assert.Equal("1.25 ms", a.QuerySelector("[data-p99]")!.TextContent);
        Assert.Equal("0.432", a.QuerySelector("[data-gate]")!.TextContent);
        Assert.Equal("0.432", a.QuerySelector("[data-val-f1]")!.TextContent);
        Assert.Equal("0.397", a.QuerySelector("[data-test-f1]")!.TextContent);
        Assert.StartsWith("2024-01-01 → 2024-03-31", a.QuerySelector("[data-range]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("abcdef012345", a.QuerySelector("[data-schema]")!.TextContent);

        var b = cut.Find("[data-model=cnn-b]");
        Assert.Equal("0", b.GetAttribute("data-active"));
        Assert.Null(b.QuerySelector("[data-active-badge]"));
        // No calls yet and no metrics on its card: dashes, not numbers.
        Assert.Equal("—", b.QuerySelector("[data-p50]")!.TextContent);
        Assert.Equal("—", b.QuerySelector("[data-val-f1]")!.TextContent);
        Assert.Equal("—", b.QuerySelector("[data-test-f1]")!.TextContent);

        Assert.Contains("differs from the running schema", cut.Find("[data-refused=\"cnn-old.onnx\"] [data-reason]").TextContent, StringComparison.Ordinal);

        Assert.Equal("120", cut.Find("[data-pivots-since]").GetAttribute("data-pivots-since"));
        Assert.Equal("500", cut.Find("[data-retrain-after]").GetAttribute("data-retrain-after"));
        Assert.Equal("training?run=run-42", cut.Find("[data-last-run-id]").GetAttribute("href"));
        Assert.Contains("Promoted cnn-a", cut.Find("[data-last-message]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_viewer_is_offered_no_switch_or_retrain_control()
    {
        SignIn("victor", "Viewer");
        AddServices();

        var cut = Render<ModelsPage>();

        Assert.Equal("0", cut.Find("[data-page=models]").GetAttribute("data-can-control"));
        Assert.Empty(cut.FindAll("[data-make-active]"));
        Assert.Empty(cut.FindAll("[data-retrain]"));
        Assert.NotNull(cut.Find("[data-read-only]"));
        Assert.Empty(_registry.Switches);
        Assert.Empty(_learning.Requests);
    }

    [Fact]
    public async Task The_services_refuse_a_viewer_as_the_real_ones_must()
    {
        // The page offers a viewer nothing (above); the role is checked again by the service itself.
        var viewer = new Actor("victor", UserRole.Viewer, Address);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _registry.SwitchAsync(viewer, "cnn-b", CancellationToken.None));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _learning.RequestRetrainAsync(viewer, CancellationToken.None));
        Assert.True(_registry.Registered.Single(m => m.Name == "cnn-a").Active);
    }

    [Fact]
    public void An_admin_makes_a_model_active_after_confirming_and_the_registry_gets_the_admin_actor()
    {
        SignIn("alice", "Admin");
        AddServices();
        var cut = Render<ModelsPage>();

        // Only the inactive model has the button.
        Assert.Equal(["cnn-b"], cut.FindAll("[data-make-active]").Select(b => b.GetAttribute("data-make-active") ?? string.Empty).ToArray());
        cut.Find("[data-make-active=cnn-b]").Click();
        Assert.Contains("replaces cnn-a", cut.Find("[data-switch-confirm=cnn-b]").TextContent, StringComparison.Ordinal);
        Assert.Empty(_registry.Switches);

        cut.Find("[data-switch-confirm-yes]").Click();

        var (actor, model) = Assert.Single(_registry.Switches);
        Assert.Equal("cnn-b", model);
        Assert.Equal(new Actor("alice", UserRole.Admin, Address), actor);
        Assert.Empty(cut.FindAll("[data-switch-confirm]"));
        Assert.Equal("1", cut.Find("[data-model=cnn-b]").GetAttribute("data-active"));
        Assert.Equal("0", cut.Find("[data-model=cnn-a]").GetAttribute("data-active"));
    }

    [Fact]
    public void Cancelling_the_confirmation_switches_nothing()
    {
        SignIn("alice", "Admin");
        AddServices();
        var cut = Render<ModelsPage>();

        cut.Find("[data-make-active=cnn-b]").Click();
        cut.Find("[data-switch-cancel]").Click();

        Assert.Empty(cut.FindAll("[data-switch-confirm]"));
        Assert.Empty(_registry.Switches);
    }

    [Fact]
    public void A_failed_switch_is_shown_and_the_active_model_stays()
    {
        SignIn("alice", "Admin");
        AddServices();
        _registry.FailWith = "cnn-b.onnx no longer loads";
        var cut = Render<ModelsPage>();

        cut.Find("[data-make-active=cnn-b]").Click();
        cut.Find("[data-switch-confirm-yes]").Click();

        Assert.Contains("cnn-b.onnx no longer loads", cut.Find("[data-action-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("1", cut.Find("[data-model=cnn-a]").GetAttribute("data-active"));
    }

    [Fact]
    public void An_admin_starts_a_retraining_as_the_signed_in_admin_and_sees_the_answer()
    {
        SignIn("alice", "Admin");
        AddServices();
        var cut = Render<ModelsPage>();

        cut.Find("[data-retrain]").Click();

        Assert.Equal(new Actor("alice", UserRole.Admin, Address), Assert.Single(_learning.Requests));
        Assert.Equal("Retraining started.", cut.Find("[data-retrain-message]").TextContent);
        // Running now: the button waits for the run to end.
        Assert.Equal("1", cut.Find("[data-learning-status]").GetAttribute("data-running"));
        Assert.True(cut.Find("[data-retrain]").HasAttribute("disabled"));
    }

    [Fact]
    public void Registry_changes_appear_on_the_next_tick_and_subscriptions_end_with_the_page()
    {
        SignIn("victor", "Viewer");
        AddServices();
        var cut = Render<ModelsPage>();
        Assert.Equal(1, _registry.SubscriberCount);
        Assert.Equal(1, _learning.SubscriberCount);

        _registry.Registered.Add(Model(Card("fasttree-1m", kind: ModelKinds.FastTree), "fasttree-1m", active: true));
        _registry.Changed();
        _learning.Status = _learning.Status with { ConfirmedPivotsSinceLastTraining = 121 };
        _learning.Changed();
        Time.Advance(ModelsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-model=fasttree-1m]")));
        Assert.Equal("121", cut.Find("[data-pivots-since]").GetAttribute("data-pivots-since"));

        cut.Instance.Dispose();
        Assert.Equal(0, _registry.SubscriberCount);
        Assert.Equal(0, _learning.SubscriberCount);
    }

    [Fact]
    public void Says_plainly_when_no_model_is_loaded_or_model_serving_is_not_configured()
    {
        SignIn("alice", "Admin");
        var cut = Render<ModelsPage>();
        Assert.NotNull(cut.Find("[data-not-configured=registry]"));
        Assert.NotNull(cut.Find("[data-not-configured=continual-learning]"));
        Assert.Empty(cut.FindAll("[data-retrain]"));
    }

    [Fact]
    public void Says_no_model_loaded_when_the_registry_is_empty()
    {
        SignIn("alice", "Admin");
        _registry.Registered.Clear();
        AddServices();

        var cut = Render<ModelsPage>();

        Assert.Contains("No model loaded", cut.Find("[data-models-empty]").TextContent, StringComparison.Ordinal);
    }
}
