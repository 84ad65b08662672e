using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Tests.Reinforcement;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Trainer.Rl;
using TradingDashboard.Trainer.StrategyEvaluation;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Trainer.Rl;

/// <summary>
/// RL observations with the CNN (bars+cnn): the trainer builds frames and the shipped CNN's predictions as live, and
/// the host's <see cref="RlExpert"/> rebuilds the exact observation from the card of the policy it trained.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RlModelObservationTests : IDisposable
{
    private const long H = 3_600_000;
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly string[] Symbols = ["ETHUSDT", "BTCUSDT"];
    private readonly string _dir = Directory.CreateTempSubdirectory("rl-cnn-").FullName;

    public RlModelObservationTests() => TorchNativeLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ShippedCnn() => Path.Combine(
        Core.Configuration.RepositoryRoot.Find(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root not found."),
        "onnx", "cnn-pivot.onnx");

    /// <summary>
    /// 60 days of 1h and 400 of 1d candles before <see cref="Start"/> (the frames' long windows), then 1000 1m candles from it
    /// with their complete hours (a frame needs the latest closed hour).
    /// </summary>
    private static (List<OHLCVBar> Minutes, List<OHLCVBar> All) Market()
    {
        var minutes = RandomWalk(1000, seed: 17, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var all = OfflinePredictions.WithHigherTimeframes(minutes, [Timeframe.OneHour]);
        foreach (var (timeframe, duration, count) in new[] { (Timeframe.OneHour, H, 60 * 24), (Timeframe.OneDay, 24 * H, 400) })
        {
            var history = RandomWalk(count, seed: (int)timeframe + 3, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
            all.AddRange(history.Select(b => b with { Timeframe = timeframe, OpenTimeMs = Start - (count * duration) + ((b.OpenTimeMs - Start) / M * duration) }));
        }

        return (minutes, all);
    }

    [Fact]
    public void A_bars_cnn_policy_is_rebuilt_by_the_rl_expert_with_the_training_environments_observation()
    {
        var (minutes, all) = Market();
        var features = PivotDatasetBuilder.DefaultFeatures(Symbols);
        var schema = new Core.Features.FeatureSchema(features);
        var spec = RlModelObservations.Spec("bars+cnn", schema, ModelCard.Read(Path.ChangeExtension(ShippedCnn(), ".json")), features.AnchorTimeframe);
        // The shipped CNN's card: heads 1s, 1m, 1h, 1d (1s is below the 1m anchor: left out) and a 32-value hidden state.
        Assert.Equal(["1m", "1h", "1d"], spec.CnnTimeframes);
        Assert.Equal(32, spec.CnnHiddenSize);
        Assert.Null(spec.FeatureSchemaHash);

        var inputs = RlModelObservations.Build(spec, all, features, DateTimeOffset.FromUnixTimeMilliseconds(Start), Timeframe.OneMinute, ShippedCnn());
        var table = Assert.IsType<CnnPredictionTable>(inputs.Predictions);
        Assert.True(table.Count is >= 100 and <= 1000, inputs.Description);

        var options = new RlTrainingOptions
        {
            ModelName = "tiny-cnn", Seed = 3, Episodes = 2, MaxSteps = 40, Hidden = [8], BatchSize = 8, LearningStarts = 16, TargetSync = 20,
            ReplayCapacity = 256, NormalizationSteps = 200, CheckpointEvery = 0,
        };
        var environment = new RlEnvironmentSettings { Symbols = Symbols };
        var runs = new FileRlTrainingRuns(new ModelsFolder(_dir), NullLogger<FileRlTrainingRuns>.Instance);
        var data = new RlTrainingData(minutes, ["ETHUSDT"], null, DateTimeOffset.FromUnixTimeMilliseconds(Start + (700 * M)), DateTimeOffset.FromUnixTimeMilliseconds(Start + (1000 * M)));
        var result = new RlTrainer(options, environment, new FakeTimeProvider(Now)).Train(data, inputs, Path.Combine(_dir, "rl", "tiny-cnn.onnx"), runs);

        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(result.OnnxPath));
        Assert.Equal(spec, card.Observation with { CnnTimeframes = spec.CnnTimeframes }); // records compare lists by reference
        Assert.Equal(spec.CnnTimeframes, card.Observation.CnnTimeframes);
        // 16 returns, vol, history; cnn.present, 5 per head, 32 hidden; then the position state.
        Assert.Equal(18 + 1 + 15 + 32 + TradingEnvironment.PositionStateNames.Count, card.ObservationNames.Count);

        using var policy = OnnxRlPolicy.Load(result.OnnxPath, PolicyTestKit.Sessions());
        var expert = new RlExpert(new FixedRlPolicySource(policy), inputs.Frames, inputs.Schema, inputs.Predictions, Timeframe.OneMinute);
        using var env = new TradingEnvironment(minutes, environment.Build("ETHUSDT", null, null, null), inputs.Build());
        Assert.Equal(card.ObservationNames, env.ObservationNames);
        var marketLength = card.ObservationNames.Count - TradingEnvironment.PositionStateNames.Count;
        var present = card.ObservationNames.ToList().IndexOf("cnn.present");

        var eth = minutes.Where(b => b.Symbol == "ETHUSDT").ToList();
        var observation = env.Reset();
        var decision = 64; // the environment's 64 warm-up bars come first
        var fed = 0;
        var withCnn = 0;
        var compared = 0;
        while (true)
        {
            ExpertVote? vote = null;
            for (; fed <= decision; fed++)
            {
                vote = expert.Vote(new ExpertContext(eth[fed], 0m, false, DateTimeOffset.FromUnixTimeMilliseconds(eth[fed].CloseTimeMs + 1)));
                Assert.DoesNotContain("observation unavailable", vote.Reason, StringComparison.Ordinal);
            }

            var built = expert.LastObservation("ETHUSDT")!;
            Assert.Equal(observation.AsSpan(0, marketLength).ToArray(), built.AsSpan(0, marketLength).ToArray());
            withCnn += built[present] == 1f ? 1 : 0;
            if (built[present] == 0f)
            {
                // No prediction at this decision (warm-up): every CNN value is 0, as live.
                Assert.All(built.AsSpan(present, 1 + 15 + 32).ToArray(), v => Assert.Equal(0f, v));
            }

            // The expert has decided (on its virtual position) since its first bar, the environment only after its warm-up, so
            // the position tails differ; their equivalence is RlExpertTests'. The environment follows the expert's actions.
            Assert.Equal(TradingEnvironment.PositionStateNames.Count, built.Length - marketLength);
            var step = env.Step(vote!.Action);
            compared++;
            if (step.Done)
            {
                break;
            }

            observation = step.Observation;
            decision++;
        }

        Assert.True(compared > 900);
        Assert.True(withCnn > 100, $"{withCnn} decisions saw a CNN prediction");
    }

    [Fact]
    public async Task Background_retraining_of_a_cnn_incumbent_needs_the_cnn_and_keeps_its_observation()
    {
        var minutes = RandomWalk(400, seed: 9, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var features = PivotDatasetBuilder.DefaultFeatures(Symbols);
        var spec = RlModelObservations.Spec("bars+cnn", null, ModelCard.Read(Path.ChangeExtension(ShippedCnn(), ".json")), features.AnchorTimeframe);
        IReadOnlyList<string> names;
        using (var probe = new TradingEnvironment(minutes, new RlEnvironmentSettings { Symbols = Symbols }.Build("ETHUSDT", null, null, null), spec.BuildSource(null, null, new CnnPredictionTable([]))))
        {
            names = probe.ObservationNames.ToList();
        }

        var incumbentPath = PolicyTestKit.WritePolicy(Path.Combine(_dir, "incumbent"), PolicyTestKit.Card("rl-cnn", spec, names), TinyPolicy.Always(names.Count, AgentAction.Hold));
        var trainer = new TorchPolicyTrainer(new FakeTimeProvider(Now), new ModelsFolder(Path.Combine(_dir, "models")),
            baseOptions: new RlTrainingOptions { MaxSteps = 40, Hidden = [8], BatchSize = 8, LearningStarts = 16, ReplayCapacity = 256, NormalizationSteps = 200 });
        PolicyRetrainRequest Request(string? cnn) => new(minutes, "ETHUSDT", "dqn", features, cnn, incumbentPath, Path.Combine(_dir, "models", "rl"), "rl-cnn", 1, 5, 0.25, "test");

        var refused = await trainer.RetrainAsync(Request(null), CancellationToken.None);
        Assert.False(refused.Succeeded);
        Assert.Contains("CnnOnnxPath is null", refused.Message, StringComparison.Ordinal);

        var retrained = await trainer.RetrainAsync(Request(ShippedCnn()), CancellationToken.None);
        Assert.True(retrained.Succeeded, retrained.Message);
        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(retrained.OnnxPath!));
        Assert.Equal(names, card.ObservationNames);
        Assert.Equal(spec.CnnTimeframes, card.Observation.CnnTimeframes);
        Assert.Equal(spec.CnnHiddenSize, card.Observation.CnnHiddenSize);
        Assert.NotNull(retrained.Incumbent); // the incumbent's CNN observation was rebuilt too
        Assert.Equal(retrained.Candidate!.FromUtc, retrained.Incumbent!.FromUtc);
    }

    [Fact]
    public void Higher_timeframes_are_aggregated_from_complete_buckets_only()
    {
        // 150 flat-ish 1m candles from an hour boundary: two complete hours and a partial third.
        var bars = Enumerable.Range(0, 150).Select(i => Bar("ETHUSDT", Start + (i * M), 100 + i, 101 + i, 99 + i, 100.5 + i, 2)).ToList();
        var result = OfflinePredictions.WithHigherTimeframes(bars, [Timeframe.OneMinute, Timeframe.OneHour]);
        var hours = result.Where(b => b.Timeframe == Timeframe.OneHour).OrderBy(b => b.OpenTimeMs).ToList();
        Assert.Equal(2, hours.Count);
        Assert.Equal(150, result.Count(b => b.Timeframe == Timeframe.OneMinute));
        Assert.Equal((Start, 100d, 160d, 99d, 159.5d, 120d), (hours[0].OpenTimeMs, hours[0].Open, hours[0].High, hours[0].Low, hours[0].Close, hours[0].Volume));
        Assert.Equal((Start + H, 160d, 220d, 159d, 219.5d), (hours[1].OpenTimeMs, hours[1].Open, hours[1].High, hours[1].Low, hours[1].Close));
    }
}
