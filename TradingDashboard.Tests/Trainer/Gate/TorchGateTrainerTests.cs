using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Gate;

namespace TradingDashboard.Tests.Trainer.Gate;

[Collection(TorchCollection.Name)]
public sealed class TorchGateTrainerTests : IDisposable
{
    private static readonly string[] Experts = ["trend", "revert", "cnn"];
    private readonly string _dir = Directory.CreateTempSubdirectory("gate-retrain-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static GateTrainingOptions BaseOptions => new() { Epochs = 40 };

    private GateRetrainRequest Request(IReadOnlyList<DecisionOutcome> decisions, string? incumbent) =>
        new(decisions, Experts, incumbent, _dir, "gate", Seed: 3, ValidationFraction: 0.25, Trigger: "test");

    [Fact]
    public async Task Retraining_writes_the_candidate_and_compares_it_with_the_recent_accuracy_gate_then_with_the_onnx_incumbent()
    {
        var decisions = GateTestDecisions.Regimes(400, seed: 8);
        var trainer = new TorchGateTrainer(_time, baseOptions: BaseOptions);

        var first = await trainer.RetrainAsync(Request(decisions, null), CancellationToken.None);
        Assert.True(first.Succeeded, first.Message);
        Assert.Equal(Path.Combine(_dir, "gate-20250304T050607Z.onnx"), first.OnnxPath);
        Assert.True(File.Exists(first.OnnxPath));
        var card = GateModelCard.Read(Path.ChangeExtension(first.OnnxPath!, ".json"));
        Assert.Equal(Experts, card.Experts);
        Assert.Equal(first.Candidate, card.Validation);
        Assert.Equal(100, first.Candidate!.Decisions);

        // No trained incumbent: the incumbent is the recent-accuracy gate on the same decisions.
        Assert.NotNull(first.Incumbent);
        Assert.Equal(first.Candidate.BaselineReturn, first.Incumbent!.CombinedReturn, 1e-15);
        Assert.Equal(first.Candidate.FromUtc, first.Incumbent.FromUtc);
        Assert.True(first.Candidate.CombinedReturn > first.Incumbent.CombinedReturn);

        // Same decisions and seed with the first file as incumbent: the candidate is the same network, and the incumbent
        // (run with ONNX Runtime) scores what the candidate scored in TorchSharp.
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await trainer.RetrainAsync(Request(decisions, first.OnnxPath), CancellationToken.None);
        Assert.True(second.Succeeded, second.Message);
        Assert.NotEqual(first.OnnxPath, second.OnnxPath);
        Assert.Equal(first.Candidate, second.Candidate);
        Assert.Equal(second.Candidate!.CombinedReturn, second.Incumbent!.CombinedReturn, 1e-7);
        Assert.Equal(second.Candidate.BaselineReturn, second.Incumbent.BaselineReturn, 1e-15);
    }

    [Fact]
    public async Task Too_few_decisions_or_a_broken_incumbent_are_reported_not_thrown()
    {
        var trainer = new TorchGateTrainer(_time, baseOptions: BaseOptions);
        var few = await trainer.RetrainAsync(Request(GateTestDecisions.Regimes(30, seed: 1), null), CancellationToken.None);
        Assert.False(few.Succeeded);
        Assert.Null(few.OnnxPath);
        Assert.Contains("Too few resolved decisions", few.Message, StringComparison.Ordinal);

        var broken = Path.Combine(_dir, "broken.onnx");
        await File.WriteAllTextAsync(broken, "not a model");
        var result = await trainer.RetrainAsync(Request(GateTestDecisions.Regimes(300, seed: 2), broken), CancellationToken.None);
        Assert.True(result.Succeeded, result.Message);
        Assert.NotNull(result.Candidate);
        Assert.Null(result.Incumbent);
        Assert.Contains("incumbent could not be evaluated", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGateTrainer_registers_the_torch_gate_trainer()
    {
        using var provider = new ServiceCollection().AddGateTrainer().BuildServiceProvider();
        Assert.IsType<TorchGateTrainer>(provider.GetRequiredService<IGateTrainer>());
    }
}
