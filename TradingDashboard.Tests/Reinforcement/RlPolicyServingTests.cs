using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Risk;

namespace TradingDashboard.Tests.Reinforcement;

public sealed class RlPolicyServingTests : IDisposable
{
    private static readonly RlObservationSpec Spec = new(3, 4, null, false, [], 0);
    private readonly string _root = PolicyTestKit.TempFolder();
    private readonly OnnxSessionFactory _sessions = PolicyTestKit.Sessions();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingAuditLog _audit;
    private readonly AlertService _alerts;

    public RlPolicyServingTests()
    {
        _audit = new RecordingAuditLog(_time);
        _alerts = new AlertService(_time, NullLogger<AlertService>.Instance);
    }

    private string RlFolder => Path.Combine(_root, RlPolicyRegistry.FolderName);

    private static IReadOnlyList<string> Names => PolicyTestKit.Names(Spec);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private RlPolicyRegistry Registry() => new(
        _sessions, new ModelsFolder(_root), Options.Create(new ModelsOptions { UseCuda = false, WatchForNewModels = false }),
        _alerts, _audit, _time, NullLogger<RlPolicyRegistry>.Instance);

    [Fact]
    public void Decide_runs_the_network_and_takes_the_most_probable_action()
    {
        var tiny = TinyPolicy.Random(Names.Count, seed: 9, scale: 1.5f);
        var path = PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("p", Spec, Names), tiny);
        using var policy = OnnxRlPolicy.Load(path, _sessions);
        Assert.Equal(OnnxSessionFactory.Cpu, policy.ExecutionProvider);
        var random = new Random(4);
        for (var trial = 0; trial < 20; trial++)
        {
            var x = Enumerable.Range(0, Names.Count).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
            var expected = tiny.Forward(x);
            var decision = policy.Decide(x);
            Assert.Equal((AgentAction)expected.Action, decision.Action);
            Assert.Equal(expected.Confidence, decision.Confidence, 1e-5);
            Assert.Equal(expected.Value, decision.ExpectedReward, 1e-4);
            for (var a = 0; a < 3; a++)
            {
                Assert.Equal(expected.Scores[a], decision.Scores[a], 1e-4);
                Assert.Equal(expected.Probabilities[a], decision.Probabilities[a], 1e-5);
            }
        }

        Assert.Throws<ArgumentException>(() => policy.Decide(new float[Names.Count - 1]));
        Assert.Throws<ArgumentException>(() => policy.Decide(Enumerable.Repeat(float.NaN, Names.Count).ToArray()));
    }

    [Fact]
    public void Load_refuses_files_that_do_not_match_their_card()
    {
        var card = PolicyTestKit.Card("ok", Spec, Names);
        var tiny = TinyPolicy.Random(Names.Count, 1);

        var noMetadata = PolicyTestKit.WritePolicy(Path.Combine(_root, "a"), card, tiny, embed: false);
        Assert.Contains("metadata has no", Assert.Throws<InvalidDataException>(() => OnnxRlPolicy.Load(noMetadata, _sessions)).Message, StringComparison.Ordinal);

        var otherCard = PolicyTestKit.WritePolicy(Path.Combine(_root, "b"), card, tiny, embedded: card with { Version = "2" });
        Assert.Contains("differ", Assert.Throws<InvalidDataException>(() => OnnxRlPolicy.Load(otherCard, _sessions)).Message, StringComparison.Ordinal);

        var noCard = PolicyTestKit.WritePolicy(Path.Combine(_root, "c"), card, tiny, writeCard: false);
        Assert.Contains("no policy card", Assert.Throws<InvalidDataException>(() => OnnxRlPolicy.Load(noCard, _sessions)).Message, StringComparison.Ordinal);

        var tampered = PolicyTestKit.WritePolicy(Path.Combine(_root, "d"), card, tiny);
        File.AppendAllText(tampered, " ");
        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => OnnxRlPolicy.Load(tampered, _sessions)).Message, StringComparison.Ordinal);

        var wide = PolicyTestKit.WritePolicy(Path.Combine(_root, "e"), card, tiny, inputWidth: Names.Count + 1);
        Assert.Contains("shape", Assert.Throws<InvalidDataException>(() => OnnxRlPolicy.Load(wide, _sessions)).Message, StringComparison.Ordinal);

        var nan = PolicyTestKit.WritePolicy(Path.Combine(_root, "f"), card, tiny with { Bias = [float.NaN, 0, 0] });
        Assert.Contains("non-finite", Assert.Throws<InvalidDataException>(() => OnnxRlPolicy.Load(nan, _sessions)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_registry_loads_the_best_validation_sharpe_and_refuses_a_policy_whose_observation_differs()
    {
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("low", Spec, Names, validationSharpe: 0.5), TinyPolicy.Random(Names.Count, 1));
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("high", Spec, Names, validationSharpe: 1.2), TinyPolicy.Random(Names.Count, 2));

        // Trained on 5 returns but its card claims the spec of 3: the names the host builds differ.
        var wrongSpec = Spec with { BarReturns = 5 };
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("skewed", wrongSpec, Names, validationSharpe: 9), TinyPolicy.Random(Names.Count, 3));

        // Needs feature frames this host does not give.
        var frameSpec = Spec with { FeatureSchemaHash = "abc" };
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("frames", frameSpec, Names, validationSharpe: 9), TinyPolicy.Random(Names.Count, 4));

        using var registry = Registry();
        await registry.StartAsync(CancellationToken.None);

        Assert.Equal("high", registry.Current!.Card.Name);
        var status = registry.Status;
        Assert.Equal(["high", "low"], status.Loaded);
        Assert.Equal("CPU", status.ExecutionProvider);
        Assert.Equal(2, status.Refused.Count);
        Assert.Contains(status.Refused, r => r.File == "skewed.onnx" && r.Reason.Contains("differs from what this host builds", StringComparison.Ordinal));
        Assert.Contains(status.Refused, r => r.File == "frames.onnx" && r.Reason.Contains("feature frames", StringComparison.Ordinal));
        Assert.Contains(_alerts.Recent(), a => a.Message.Contains("skewed.onnx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Offer_promotes_only_a_candidate_whose_sharpe_is_not_worse_and_remembers_it_across_restarts()
    {
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("incumbent", Spec, Names, validationSharpe: 1.0), TinyPolicy.Random(Names.Count, 1));
        var candidates = Path.Combine(_root, "candidates", "rl");
        var worse = PolicyTestKit.WritePolicy(candidates, PolicyTestKit.Card("worse", Spec, Names, validationSharpe: 0.4), TinyPolicy.Random(Names.Count, 2));
        var better = PolicyTestKit.WritePolicy(candidates, PolicyTestKit.Card("better", Spec, Names, validationSharpe: 0.9), TinyPolicy.Random(Names.Count, 3));

        using (var registry = Registry())
        {
            await registry.StartAsync(CancellationToken.None);
            Assert.Equal("incumbent", registry.Current!.Card.Name);

            var refused = await registry.OfferAsync(worse, PolicyTestKit.Evaluation(0.79), PolicyTestKit.Evaluation(0.8));
            Assert.False(refused.Promoted);
            Assert.Equal("incumbent", registry.Current!.Card.Name);
            Assert.False(File.Exists(Path.Combine(RlFolder, "worse.onnx")));

            // Equal Sharpe on the same tail is "not worse": promoted, copied into the folder.
            var promoted = await registry.OfferAsync(better, PolicyTestKit.Evaluation(0.8), PolicyTestKit.Evaluation(0.8));
            Assert.True(promoted.Promoted, promoted.Message);
            Assert.Equal("better", registry.Current!.Card.Name);
            Assert.True(File.Exists(Path.Combine(RlFolder, "better.onnx")));
            Assert.True(File.Exists(Path.Combine(RlFolder, "better.json")));
        }

        Assert.Equal(2, _audit.Entries.Count(e => e.Action == RlPolicyRegistry.PromoteAuditAction));
        Assert.Contains(_audit.Entries, e => e.Action == RlPolicyRegistry.PromoteAuditAction && e.After!.StartsWith("promoted", StringComparison.Ordinal));

        // After a restart the promoted one stays active, although the incumbent's card has the higher validation Sharpe.
        using var restarted = Registry();
        await restarted.StartAsync(CancellationToken.None);
        Assert.Equal("better", restarted.Current!.Card.Name);
    }

    [Fact]
    public async Task Only_an_admin_can_switch_and_a_new_file_is_picked_up_by_a_scan()
    {
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("a", Spec, Names, validationSharpe: 1.0), TinyPolicy.Random(Names.Count, 1));
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("b", Spec, Names, validationSharpe: 0.5), TinyPolicy.Random(Names.Count, 2));
        using var registry = Registry();
        await registry.StartAsync(CancellationToken.None);

        await Assert.ThrowsAsync<AccessDeniedException>(() => registry.SwitchAsync(RiskTestKit.Viewer, "b"));
        Assert.Equal("a", registry.Current!.Card.Name);
        Assert.Contains(_audit.Entries, e => e.Action == RlPolicyRegistry.SwitchAuditAction && !e.Allowed);

        await registry.SwitchAsync(RiskTestKit.Admin, "b");
        Assert.Equal("b", registry.Current!.Card.Name);
        Assert.Contains(_audit.Entries, e => e.Action == RlPolicyRegistry.SwitchAuditAction && e.Allowed && e.After == "b");

        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("c", Spec, Names, validationSharpe: 2.0), TinyPolicy.Random(Names.Count, 3));
        var results = await registry.ScanAsync(CancellationToken.None);
        Assert.Single(results);
        Assert.True(results[0].Promoted, results[0].Message); // 2.0 >= b's 0.5
        Assert.Equal("c", registry.Current!.Card.Name);
    }

    [Fact]
    public async Task A_policy_refused_for_a_missing_cnn_is_loaded_once_a_cnn_with_its_hidden_size_is_active()
    {
        var spec = Spec with { CnnTimeframes = ["1m"], CnnHiddenSize = 6 };
        var predictions = new CnnPredictionTable([]);
        var names = PolicyTestKit.Names(spec, predictions);
        PolicyTestKit.WritePolicy(RlFolder, PolicyTestKit.Card("with-cnn", spec, names, validationSharpe: 1), TinyPolicy.Random(names.Count, 1));
        var models = new TradingDashboard.Tests.Components.Fakes.FakeModelRegistry();
        using var registry = new RlPolicyRegistry(
            _sessions, new ModelsFolder(_root), Options.Create(new ModelsOptions { UseCuda = false, WatchForNewModels = false }),
            _alerts, _audit, _time, NullLogger<RlPolicyRegistry>.Instance, null, null, predictions, models);
        await registry.StartAsync(CancellationToken.None);
        Assert.Null(registry.Current);
        Assert.Contains("no CNN model is active", Assert.Single(registry.Status.Refused).Reason, StringComparison.Ordinal);

        // Unchanged host: the refused file is not tried again.
        Assert.Empty(await registry.ScanAsync(CancellationToken.None));

        var cnn = TradingDashboard.Tests.Models.Serving.ServingTestKit.WriteCnn(_root, "cnn-a", 1.0).Card; // hidden state of 6
        models.Registered.Add(new RegisteredModel("cnn-a", "cnn", cnn, "CPU", true, LatencySummary.None, _time.GetUtcNow()));
        var result = Assert.Single(await registry.ScanAsync(CancellationToken.None));
        Assert.True(result.Promoted, result.Message);
        Assert.Equal("with-cnn", registry.Current!.Card.Name);
        Assert.Empty(registry.Status.Refused);
    }
}
