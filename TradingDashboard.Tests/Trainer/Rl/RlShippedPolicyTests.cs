using System.Security.Cryptography;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Support;
using TradingDashboard.Trainer.Rl;

namespace TradingDashboard.Tests.Trainer.Rl;

/// <summary>The RL policy shipped in onnx/rl: its card matches the file, and its validation figures are what the file does.</summary>
public sealed class RlShippedPolicyTests
{
    private const string Name = "rl-dqn-1h";

    private static string Folder() =>
        Path.Combine(
            Core.Configuration.RepositoryRoot.Find(AppContext.BaseDirectory)
                ?? throw new InvalidOperationException("Repository root (TradingDashboard.sln) not found above the test binaries."),
            "onnx", "rl");

    [Fact]
    public void Shipped_policy_card_matches_the_file_and_the_contract()
    {
        var onnx = Path.Combine(Folder(), Name + ".onnx");
        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(onnx));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(onnx))), card.OnnxSha256);
        Assert.True(new FileInfo(onnx).Length < 1024 * 1024);
        Assert.Equal(PolicyKinds.Dqn, card.Kind);
        Assert.Equal("1h", card.StepTimeframe);
        Assert.Equal(17, card.Opset);
        // Never trained on the reserved test period (2025-01-20 on).
        Assert.True(card.Data.ToUtc <= new DateTimeOffset(2025, 1, 20, 0, 0, 0, TimeSpan.Zero));

        using var runner = OnnxPolicyRunner.Load(onnx);
        Assert.Equal(card.ObservationNames, runner.Card.ObservationNames);
        var outputs = runner.Run(new float[card.ObservationNames.Count * 2], 2);
        Assert.Equal(6, outputs.ActionScores.Length);
        Assert.Equal(2, outputs.Value.Length);
        Assert.Equal(1f, outputs.Probabilities[0] + outputs.Probabilities[1] + outputs.Probabilities[2], 5);
    }

    [Fact]
    public void Shipped_policy_validation_is_reproduced_from_the_real_bars()
    {
        var onnx = Path.Combine(Folder(), Name + ".onnx");
        var card = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(onnx));
        var validation = card.Validation!;
        var klines = Path.Combine(TestData.Directory ?? throw new InvalidOperationException("shared data not found"), "binance", "spot", "klines");
        var from = new DateTimeOffset(2025, 1, 13, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2025, 1, 20, 0, 0, 0, TimeSpan.Zero);
        var bars = TrainRlCommand.LoadBars(klines, ["ETHUSDT", "BTCUSDT"], Core.Domain.Timeframe.OneHour, from.AddDays(-10), to);
        var settings = new RlEnvironmentSettings { Symbols = ["ETHUSDT", "BTCUSDT"], StepTimeframe = Core.Domain.Timeframe.OneHour };
        var again = TorchPolicyTrainer.EvaluateFile(onnx, bars, settings, validation.Symbol, from, to);
        Assert.Equal(validation, again);
    }
}
