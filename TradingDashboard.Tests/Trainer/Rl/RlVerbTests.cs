using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Tests.Support;
using TradingDashboard.Trainer.Rl;

namespace TradingDashboard.Tests.Trainer.Rl;

[Collection(TorchCollection.Name)]
public sealed class RlVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rl-verb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_rl_on_real_hourly_bars_writes_the_policy_card_and_run()
    {
        var klines = Path.Combine(TestData.Directory ?? throw new InvalidOperationException("shared data not found"), "binance", "spot", "klines");
        var (code, output) = TrainerRunner.Run(
            "train", "rl", "--algo", "ppo", "--data", klines, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-06-01", "--to", "2024-07-01",
            "--bars", "1h", "--step", "1h", "--validation-days", "5", "--episodes", "2", "--max-steps", "48", "--hidden", "8",
            "--name", "verb-test", "--out", Path.Combine(_dir, "rl"), "--models", _dir, "--checkpoints", Path.Combine(_dir, "ck"));
        Assert.True(code == 0, output);

        var onnx = Path.Combine(_dir, "rl", "verb-test.onnx");
        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(onnx));
        Assert.Equal(PolicyKinds.Ppo, card.Kind);
        Assert.Equal("1h", card.StepTimeframe);
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 0, 0, 0, TimeSpan.Zero), card.Data.ToUtc);
        var validation = card.Validation!;
        Assert.Equal("ETHUSDT", validation.Symbol);
        Assert.True(validation.FromUtc >= new DateTimeOffset(2024, 6, 26, 0, 0, 0, TimeSpan.Zero), $"validation from {validation.FromUtc:O}");
        // 5 days of hourly decisions from 2024-06-26 00:59:59.999 to 2024-06-30 23:59:59.999: 119 steps.
        Assert.Equal(119, validation.Steps);
        var run = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "runs", "rl"), "*.json"));
        Assert.Contains("verb-test", run, StringComparison.Ordinal);
        Assert.Contains("Validation BTCUSDT", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--observation", "pixels", "--observation must be")]
    [InlineData("--cnn", "x.onnx", "--cnn is only used with")]
    public void Unknown_observations_and_a_cnn_without_one_are_refused_plainly(string option, string value, string message)
    {
        var (code, output) = TrainerRunner.Run("train", "rl", "--data", _dir, "--from", "2024-06-01", "--to", "2024-07-01", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_rl_with_bars_cnn_on_real_bars_writes_a_card_the_host_can_rebuild()
    {
        var klines = Path.Combine(TestData.Directory ?? throw new InvalidOperationException("shared data not found"), "binance", "spot", "klines");
        var (code, output) = TrainerRunner.Run(
            "train", "rl", "--algo", "dqn", "--data", klines, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-10-20", "--to", "2024-11-01",
            "--bars", "1h", "--step", "1h", "--validation-days", "3", "--episodes", "1", "--max-steps", "24", "--hidden", "8", "--observation", "bars+cnn",
            "--name", "verb-cnn", "--out", Path.Combine(_dir, "rl"), "--models", _dir, "--checkpoints", Path.Combine(_dir, "ck"));
        Assert.True(code == 0, output);

        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(Path.Combine(_dir, "rl", "verb-cnn.onnx")));
        Assert.Equal(["1m", "1h", "1d"], card.Observation.CnnTimeframes);
        Assert.Equal(32, card.Observation.CnnHiddenSize);
        Assert.Contains("cnn.hidden.31", card.ObservationNames);
        // Episodes and validation on the primary symbol only: frames exist for it alone.
        Assert.DoesNotContain("Validation BTCUSDT", output, StringComparison.Ordinal);
        Assert.Equal("ETHUSDT", card.Validation!.Symbol);
        // Both symbols have 1m history over 2024-10-01..11-04 (frames need the reference symbol too): decisions have predictions.
        Assert.True(card.Notes.Any(n => n.Contains("CNN predictions", StringComparison.Ordinal) && !n.Contains(" 0 CNN predictions", StringComparison.Ordinal)), string.Join("\n", card.Notes));
    }
}
