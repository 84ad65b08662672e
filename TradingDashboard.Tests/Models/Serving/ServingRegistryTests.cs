using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Models.Serving;

public sealed class ServingRegistryTests : IDisposable
{
    private readonly RegistryFixture _f = new();

    public void Dispose() => _f.Dispose();

    private ModelRegistry Registry => _f.Registry;

    private string? ActiveName(string slot) => Registry.Models.SingleOrDefault(m => m.Slot == slot && m.Active)?.Name;

    [Fact]
    public async Task At_start_the_best_gate_score_of_each_slot_is_active_and_the_others_stay_loaded()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40, seed: 1);
        ServingTestKit.WriteCnn(_f.Folder, "cnn-b", 0.55, seed: 2);
        ServingTestKit.WriteCnn(_f.Folder, "cnn-c", 0.30, seed: 3);
        ServingTestKit.WriteFastTree(_f.Folder, "fasttree-1m", "1m", 0.20);

        await Registry.StartAsync(CancellationToken.None);

        Assert.Empty(Registry.Refused);
        Assert.Equal(["cnn-a", "cnn-b", "cnn-c", "fasttree-1m"], Registry.Models.Select(m => m.Name).Order());
        Assert.Equal("cnn-b", ActiveName("cnn"));
        Assert.Equal("fasttree-1m", ActiveName("fasttree-1m"));
        Assert.Equal(["cnn-b", "fasttree-1m"], Registry.Active.Select(m => m.Card.Name));
        Assert.All(Registry.Models, m => Assert.Equal("CPU", m.ExecutionProvider));
        Assert.Contains("cnn-b", Registry.Models.Single(m => m.Name == "cnn-a").Reason, StringComparison.Ordinal);
        await Registry.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_model_of_another_feature_schema_is_refused_with_a_clear_message_and_an_alert()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-old", 0.9, editCard: c => c with { FeatureSchemaHash = ServingTestKit.OtherSchema.Hash });

        await Registry.StartAsync(CancellationToken.None);

        Assert.Empty(Registry.Models);
        Assert.Empty(Registry.Active);
        var refused = Assert.Single(Registry.Refused);
        Assert.Equal("cnn-old.onnx", refused.File);
        Assert.Contains($"trained on feature schema {ServingTestKit.OtherSchema.Hash[..12]}", refused.Reason, StringComparison.Ordinal);
        Assert.Contains($"running feature schema is {ServingTestKit.Schema.Hash[..12]}", refused.Reason, StringComparison.Ordinal);
        var alert = Assert.Single(_f.Alerts.Recent());
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Contains("cnn-old.onnx", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_whose_sha256_differs_from_its_card_is_refused()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.4, editCard: c => c with { OnnxSha256 = new string('a', 64) });

        var result = await Registry.OfferAsync(Path.Combine(_f.Folder, "cnn-a.onnx"), CancellationToken.None);

        Assert.False(result.Promoted);
        Assert.Contains("SHA-256", result.Message, StringComparison.Ordinal);
        Assert.Contains("aaaaaaaaaaaa", Assert.Single(Registry.Refused).Reason, StringComparison.Ordinal);
        Assert.Empty(Registry.Models);
    }

    [Fact]
    public async Task A_model_whose_input_shape_differs_from_the_running_schema_is_refused()
    {
        // File and card agree with each other (21 features per bar) but not with the schema (20).
        ServingTestKit.WriteCnn(_f.Folder, "cnn-wide", 0.4, featuresInFile: 21);

        await Registry.StartAsync(CancellationToken.None);

        var refused = Assert.Single(Registry.Refused);
        Assert.Contains("has shape [?, 2, 2, 4, 21]", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("[batch, 2, 2, 4, 20]", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(Registry.Models);
    }

    [Fact]
    public async Task A_model_with_non_finite_outputs_on_the_validation_frames_is_refused()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-nan", 0.4, nanBias: true);

        await Registry.StartAsync(CancellationToken.None);

        var refused = Assert.Single(Registry.Refused);
        Assert.Contains("failed validation on 4 sample frames", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("non-finite", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(Registry.Active);
    }

    [Fact]
    public async Task A_model_without_its_card_is_refused()
    {
        var (path, _, _) = ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.4);
        File.Delete(Path.ChangeExtension(path, ".json"));

        await Registry.StartAsync(CancellationToken.None);

        Assert.Contains("no model card cnn-a.json", Assert.Single(Registry.Refused).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_uses_the_processors_recent_frames_when_there_are_some()
    {
        await Registry.StartAsync(CancellationToken.None);
        var frames = Enumerable.Range(0, 6).Select(i => ServingTestKit.Frame(seed: 100 + i, anchorOpenTimeMs: i * 60_000L)).ToList();
        foreach (var frame in frames)
        {
            _f.Processor.RaiseFrame(frame);
        }

        var used = Registry.ValidationFrames(ServingTestKit.Schema);

        // ValidationFrames = 4: the newest four.
        Assert.Equal(frames.Skip(2).Select(f => f.AnchorOpenTimeMs), used.Select(f => f.AnchorOpenTimeMs));
        var synthetic = ModelRegistry.SyntheticFrames(ServingTestKit.Schema, 3);
        Assert.All(synthetic.SelectMany(f => f.Values), v => Assert.InRange(v, -10f, 10f));
        Assert.Equal(ModelRegistry.SyntheticFrames(ServingTestKit.Schema, 3)[2].Values, synthetic[2].Values);
    }

    [Fact]
    public async Task Hot_swap_promotes_a_better_new_file_and_keeps_a_worse_one_inactive()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40, seed: 1);
        await Registry.StartAsync(CancellationToken.None);
        var changes = 0;
        using var subscription = Registry.Subscribe(() => Interlocked.Increment(ref changes));

        ServingTestKit.WriteCnn(_f.Folder, "cnn-b", 0.50, seed: 2);
        var better = Assert.Single(await Registry.ScanAsync(CancellationToken.None));
        ServingTestKit.WriteCnn(_f.Folder, "cnn-c", 0.45, seed: 3);
        var worse = await Registry.OfferAsync(Path.Combine(_f.Folder, "cnn-c.onnx"), CancellationToken.None);

        Assert.True(better.Promoted, better.Message);
        Assert.False(worse.Promoted, worse.Message);
        Assert.Equal("cnn-b", ActiveName("cnn"));
        Assert.Equal("cnn-b", Assert.Single(Registry.Active).Card.Name);
        var inactive = Registry.Models.Single(m => m.Name == "cnn-c");
        Assert.False(inactive.Active);
        Assert.Contains("0.45 is below the active cnn-b's 0.5", inactive.Reason, StringComparison.Ordinal);
        Assert.True(changes >= 2);
        Assert.Empty(await Registry.ScanAsync(CancellationToken.None));

        // An equal score is promoted ("at least the current model's").
        ServingTestKit.WriteCnn(_f.Folder, "cnn-d", 0.50, seed: 4);
        Assert.True((await Registry.OfferAsync(Path.Combine(_f.Folder, "cnn-d.onnx"), CancellationToken.None)).Promoted);
        Assert.Equal("cnn-d", ActiveName("cnn"));
    }

    [Fact]
    public async Task A_run_time_failure_hands_the_slot_to_the_previous_model_and_raises_an_alert()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40, seed: 1);
        await Registry.StartAsync(CancellationToken.None);
        ServingTestKit.WriteCnn(_f.Folder, "cnn-b", 0.50, seed: 2);
        await Registry.ScanAsync(CancellationToken.None);
        Assert.Equal("cnn-b", ActiveName("cnn"));

        Registry.ReportFailure("cnn-b", new ModelRuntimeException("NaN in probs_1m"));

        Assert.Equal("cnn-a", ActiveName("cnn"));
        Assert.Contains("failed at run time", Registry.Models.Single(m => m.Name == "cnn-b").Reason, StringComparison.Ordinal);
        var alert = _f.Alerts.Recent().First();
        Assert.Equal(AlertSeverity.Error, alert.Severity);
        Assert.Contains("cnn-b failed at run time (NaN in probs_1m); cnn-a takes over slot cnn", alert.Message, StringComparison.Ordinal);

        // The last model failing leaves the slot empty, said as such.
        Registry.ReportFailure("cnn-a", new ModelRuntimeException("boom"));
        Assert.Empty(Registry.Active);
        Assert.Contains("no other model is left for slot cnn", _f.Alerts.Recent().First().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_admins_can_switch_models_and_every_attempt_is_audited()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40, seed: 1);
        ServingTestKit.WriteCnn(_f.Folder, "cnn-b", 0.50, seed: 2);
        await Registry.StartAsync(CancellationToken.None);
        var viewer = new Actor("vera", UserRole.Viewer, "10.0.0.2");
        var admin = new Actor("ada", UserRole.Admin, "10.0.0.1");

        await Assert.ThrowsAsync<AccessDeniedException>(() => Registry.SwitchAsync(viewer, "cnn-a", CancellationToken.None));
        Assert.Equal("cnn-b", ActiveName("cnn"));

        await Registry.SwitchAsync(admin, "cnn-a", CancellationToken.None);

        Assert.Equal("cnn-a", ActiveName("cnn"));
        Assert.Equal("cnn-a", Assert.Single(Registry.Active).Card.Name);
        Assert.Collection(
            _f.Audit.Entries,
            denied =>
            {
                Assert.Equal(("vera", ModelRegistry.SwitchAuditAction, false), (denied.Actor, denied.Action, denied.Allowed));
            },
            allowed =>
            {
                Assert.Equal(("ada", ModelRegistry.SwitchAuditAction, true), (allowed.Actor, allowed.Action, allowed.Allowed));
                Assert.Equal(("cnn", "cnn-b", "cnn-a"), (allowed.Target, allowed.Before, allowed.After));
            });
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Registry.SwitchAsync(admin, "nope", CancellationToken.None));
    }

    [Fact]
    public async Task Latency_p50_and_p99_are_taken_over_the_recent_calls()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40);
        await Registry.StartAsync(CancellationToken.None);

        // 1..100 µs in shuffled order: nearest rank gives p50 = 50 and p99 = 99.
        foreach (var value in Enumerable.Range(1, 100).OrderBy(v => (v * 37) % 101))
        {
            Registry.RecordLatency("cnn-a", value);
        }

        var latency = Registry.Models.Single().Latency;
        Assert.Equal(100, latency.Calls);
        Assert.Equal(50, latency.P50Microseconds);
        Assert.Equal(99, latency.P99Microseconds);
    }

    [Fact]
    public async Task The_slot_of_a_single_head_model_is_its_kind_and_timeframe()
    {
        ServingTestKit.WriteFastTree(_f.Folder, "fasttree-1h", "1h", 0.25);

        await Registry.StartAsync(CancellationToken.None);

        var model = Assert.Single(Registry.Models);
        Assert.Equal("fasttree-1h", model.Slot);
        Assert.True(model.Active);
    }
}
