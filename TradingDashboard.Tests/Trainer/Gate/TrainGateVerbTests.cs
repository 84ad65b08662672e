using TradingDashboard.Core.Orchestration;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Gate;

namespace TradingDashboard.Tests.Trainer.Gate;

[Collection(TorchCollection.Name)]
public sealed class TrainGateVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gate-verb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_gate_writes_the_model_and_card_and_prints_the_validation_comparison()
    {
        var file = Path.Combine(_dir, "decisions.jsonl");
        DecisionOutcomeFile.Write(file, GateTestDecisions.Regimes(300, seed: 6));
        var output = Path.Combine(_dir, "out");

        var (code, text) = TrainerRunner.Run("train", "gate", "--decisions", file, "--out", output, "--name", "gate-cli", "--epochs", "20", "--seed", "5");

        Assert.True(code == 0, text);
        Assert.Contains("300 read", text, StringComparison.Ordinal);
        Assert.Contains("recent-accuracy", text, StringComparison.Ordinal);
        Assert.Contains("Validation: 60 decisions", text, StringComparison.Ordinal);
        var card = GateModelCard.Read(Path.Combine(output, "gate-cli.json"));
        Assert.Equal(["trend", "revert", "cnn"], card.Experts); // first seen in the file
        Assert.Equal(5, card.Seed);
        Assert.Equal("backtest", card.Data.Source);
        Assert.True(File.Exists(Path.Combine(output, "gate-cli.onnx")));
    }

    [Fact]
    public void Train_gate_refuses_too_few_resolved_decisions_and_bad_options()
    {
        var file = Path.Combine(_dir, "few.jsonl");
        DecisionOutcomeFile.Write(file, GateTestDecisions.Regimes(25, seed: 1));
        var (code, text) = TrainerRunner.Run("train", "gate", "--decisions", file, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(1, code);
        Assert.Contains("Too few resolved decisions", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));

        (code, text) = TrainerRunner.Run("train", "gate", "--decisions", file, "--validation", "1.5");
        Assert.Equal(2, code);
        Assert.Contains("validation fraction", text, StringComparison.Ordinal);

        (code, _) = TrainerRunner.Run("train", "gate", "--out", _dir);
        Assert.Equal(2, code);
    }

    [Fact]
    public void Default_output_is_the_repository_onnx_gate_folder()
    {
        var expected = Path.Combine(TradingDashboard.Core.Configuration.RepositoryRoot.Find(AppContext.BaseDirectory)!, "onnx", "gate");
        Assert.Equal(expected, TrainGateCommand.DefaultOutputDirectory());
    }
}
