using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Rl;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;

namespace TradingDashboard.Tests.Trainer.Rl;

[Collection(TorchCollection.Name)]
public sealed class RlTrainerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("rl-trainer-").FullName;

    public RlTrainerTests() => TorchNativeLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Algorithms => new() { "dqn", "ppo" };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_fixed_seed_reproduces_identical_episodes_and_the_run_is_persisted(string algorithm)
    {
        var bars = RandomWalk(900, seed: 31, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var first = Train(bars, algorithm, seed: 7, "a");
        var second = Train(bars, algorithm, seed: 7, "b");
        var other = Train(bars, algorithm, seed: 8, "c");

        Assert.Equal(4, first.Run.Episodes.Count);
        Assert.Equal(first.Run.Episodes, second.Run.Episodes);
        Assert.Equal(first.Validations, second.Validations);
        Assert.NotEqual(first.Run.Episodes, other.Run.Episodes);
        Assert.Equal(File.ReadAllBytes(first.OnnxPath), File.ReadAllBytes(second.OnnxPath));

        // Episodes alternate the primary symbol; exploration is epsilon (DQN, falling) or entropy (PPO, up to ln 3).
        Assert.Equal(["ETHUSDT", "BTCUSDT", "ETHUSDT", "BTCUSDT"], first.Run.Episodes.Select(e => e.Symbol).ToArray());
        foreach (var e in first.Run.Episodes)
        {
            Assert.Equal(e.Pnl - e.DrawdownPenalty - e.VolatilityPenalty - e.TradePenalty, e.Reward, 9);
            Assert.InRange(e.Exploration!.Value, 0, algorithm == "dqn" ? 1 : Math.Log(3) + 1e-6);
            Assert.Equal(40, e.Steps);
        }

        Assert.Equal(160, first.Run.Episodes[^1].TotalSteps);
        Assert.NotNull(first.Run.Episodes[^1].Loss);

        // The persisted run: every episode, validation, status, the ONNX path; the card carries the same validation.
        var runs = new FileRlTrainingRuns(new ModelsFolder(Path.Combine(_dir, "a")), NullLogger<FileRlTrainingRuns>.Instance);
        var stored = runs.Get(first.RunId)!;
        Assert.Equal("succeeded", stored.Status);
        Assert.Equal(first.Run.Episodes, stored.Episodes);
        Assert.Equal(first.Validations[0], stored.Validation);
        Assert.Equal(first.Validations[0], first.Card.Validation);
        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(first.OnnxPath));
        Assert.Equal(algorithm == "dqn" ? PolicyKinds.Dqn : PolicyKinds.Ppo, card.Kind);
        Assert.Equal([.. Enumerable.Range(0, 16).Select(i => "ret." + i), "vol", "history", .. TradingEnvironment.PositionStateNames], card.ObservationNames);

        // The validation figures are those of the exported file, run again independently.
        var settings = new RlEnvironmentSettings { Symbols = ["ETHUSDT", "BTCUSDT"] };
        var again = TorchPolicyTrainer.EvaluateFile(first.OnnxPath, bars, settings, "ETHUSDT", ValidationFrom(bars), ValidationTo(bars));
        Assert.Equal(first.Validations[0], again);
        Assert.True(again.FromUtc >= ValidationFrom(bars));
        Assert.Equal(Path.Combine(_dir, "a", "checkpoints", first.RunId + "-ep4.bin"), first.CheckpointPath);
        Assert.True(File.Exists(Path.Combine(_dir, "a", "checkpoints", first.RunId + "-ep2.bin")));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_continues_after_its_episode()
    {
        var bars = RandomWalk(900, seed: 31, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var full = Train(bars, "dqn", seed: 3, "full");
        var checkpoint = Path.Combine(_dir, "full", "checkpoints", full.RunId + "-ep2.bin");
        var resumed = Train(bars, "dqn", seed: 3, "full", resumeFrom: checkpoint);
        Assert.Equal(full.RunId, resumed.RunId);
        Assert.Equal([1, 2, 3, 4], resumed.Run.Episodes.Select(e => e.Episode).ToArray());
        Assert.Equal(full.Run.Episodes.Take(2), resumed.Run.Episodes.Take(2));
        Assert.Equal(160, resumed.Run.Episodes[^1].TotalSteps);
    }

    [Fact]
    public async Task Policy_trainer_trains_a_candidate_and_compares_it_with_the_incumbent_on_the_same_tail()
    {
        var bars = RandomWalk(1200, seed: 44, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(new FakeTimeProvider(Now)).AddSingleton(new ModelsFolder(Path.Combine(_dir, "models")));
        services.AddPolicyTrainer();
        using var provider = services.BuildServiceProvider();
        var trainer = Assert.IsType<TorchPolicyTrainer>(provider.GetRequiredService<IPolicyTrainer>());
        var output = Path.Combine(_dir, "models", "rl");
        var request = new PolicyRetrainRequest(bars, "ETHUSDT", "dqn", PivotDatasetBuilder.DefaultFeatures(["ETHUSDT", "BTCUSDT"]), null, null, output, "rl-bg", Episodes: 2, Seed: 5, ValidationFraction: 0.25, Trigger: "test");

        var first = await trainer.RetrainAsync(request, CancellationToken.None);
        Assert.True(first.Succeeded, first.Message);
        Assert.Equal(Path.Combine(output, "rl-bg-20260102T030405Z.onnx"), first.OnnxPath);
        Assert.True(File.Exists(PolicyOnnxExporter.CardPath(first.OnnxPath!)));
        Assert.Null(first.Incumbent);
        var candidate = first.Candidate!;
        Assert.Equal("ETHUSDT", candidate.Symbol);

        // The tail: the newest quarter of the 1m decisions (bars 0..1199; split at decision 900 of 1200 by the rule).
        var splitOpen = DateTimeOffset.FromUnixTimeMilliseconds(Start + (900 * M));
        Assert.True(candidate.FromUtc >= splitOpen, $"validation starts {candidate.FromUtc:O}, split {splitOpen:O}");
        var runs = new FileRlTrainingRuns(new ModelsFolder(Path.Combine(_dir, "models")), NullLogger<FileRlTrainingRuns>.Instance);
        Assert.Equal("test", runs.Get(first.RunId!)!.Trigger);

        // Second retraining with the first candidate as incumbent: the incumbent's figures are the first candidate's.
        var second = await trainer.RetrainAsync(request with { IncumbentOnnxPath = first.OnnxPath, Seed = 6, ModelName = "rl-bg2" }, CancellationToken.None);
        Assert.True(second.Succeeded, second.Message);
        Assert.Equal(candidate, second.Incumbent);
        Assert.Equal(candidate.FromUtc, second.Candidate!.FromUtc);

        var bad = await trainer.RetrainAsync(request with { ValidationFraction = 1.5 }, CancellationToken.None);
        Assert.False(bad.Succeeded);
    }

    [Fact]
    public async Task Background_retraining_steps_like_the_incumbent_policy_when_the_bars_divide_its_step()
    {
        // The host sends 1m candles; the incumbent (here only its card, the shipped 1h DQN's) decides on 1h closes.
        var bars = RandomWalk(6000, seed: 45, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var shipped = Path.Combine(Core.Configuration.RepositoryRoot.Find(AppContext.BaseDirectory)!, "onnx", "rl", "rl-dqn-1h.json");
        var incumbentCard = Path.Combine(_dir, "incumbent", "old.json");
        Directory.CreateDirectory(Path.GetDirectoryName(incumbentCard)!);
        File.Copy(shipped, incumbentCard);
        var trainer = new TorchPolicyTrainer(new FakeTimeProvider(Now), new ModelsFolder(Path.Combine(_dir, "models")));
        var request = new PolicyRetrainRequest(bars, "ETHUSDT", "dqn", PivotDatasetBuilder.DefaultFeatures(["ETHUSDT", "BTCUSDT"]), null,
            Path.ChangeExtension(incumbentCard, ".onnx"), Path.Combine(_dir, "models", "rl"), "rl-step", Episodes: 1, Seed: 5, ValidationFraction: 0.25, Trigger: "test");

        var result = await trainer.RetrainAsync(request, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal("1h", PolicyModelCard.Read(PolicyOnnxExporter.CardPath(result.OnnxPath!)).StepTimeframe);
        Assert.Null(result.Incumbent); // its ONNX file is missing: said in the message, the candidate is still written
        Assert.Contains("incumbent could not be evaluated", result.Message, StringComparison.Ordinal);
        // 100 hourly decisions: the newest quarter is the validation tail.
        Assert.True(result.Candidate!.FromUtc >= DateTimeOffset.FromUnixTimeMilliseconds(Start + (74 * 3_600_000L)));
    }

    private static DateTimeOffset ValidationFrom(IReadOnlyList<Core.Domain.OHLCVBar> bars) => DateTimeOffset.FromUnixTimeMilliseconds(Start + (700 * M));

    private static DateTimeOffset ValidationTo(IReadOnlyList<Core.Domain.OHLCVBar> bars) => DateTimeOffset.FromUnixTimeMilliseconds(bars[^1].OpenTimeMs + M);

    private RlTrainingResult Train(List<Core.Domain.OHLCVBar> bars, string algorithm, int seed, string folder, string? resumeFrom = null)
    {
        var options = new RlTrainingOptions
        {
            Algorithm = RlTrainingOptions.ParseAlgorithm(algorithm),
            ModelName = "tiny",
            Seed = seed,
            Episodes = 4,
            MaxSteps = 40,
            Hidden = [8],
            BatchSize = 8,
            LearningStarts = 16,
            TargetSync = 20,
            ReplayCapacity = 256,
            MinibatchSize = 16,
            PpoEpochs = 2,
            NormalizationSteps = 200,
            CheckpointEvery = 2,
        };
        var environment = new RlEnvironmentSettings { Symbols = ["ETHUSDT", "BTCUSDT"], TradePenalty = 0.0001 };
        var trainer = new RlTrainer(options, environment, new FakeTimeProvider(Now));
        var root = Path.Combine(_dir, folder);
        var runs = new FileRlTrainingRuns(new ModelsFolder(root), NullLogger<FileRlTrainingRuns>.Instance);
        var data = new RlTrainingData(bars, ["ETHUSDT", "BTCUSDT"], null, ValidationFrom(bars), ValidationTo(bars));
        return trainer.Train(data, RlObservationInputs.BarReturns(), Path.Combine(root, "rl", "tiny.onnx"), runs, Path.Combine(root, "checkpoints"), resumeFrom);
    }
}
