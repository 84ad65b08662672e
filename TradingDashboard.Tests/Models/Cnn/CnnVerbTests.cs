using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML.OnnxRuntime;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Trainer;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Tests.Models.Cnn;

[Collection(TorchCollection.Name)]
public sealed class CnnVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnn-verb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Help_lists_the_train_verb_and_its_options()
    {
        var (code, output) = TrainerRunner.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("train", output, StringComparison.Ordinal);

        var (verbCode, verbHelp) = TrainerRunner.Run("train", "cnn", "--help");
        Assert.Equal(0, verbCode);
        foreach (var option in new[] { "--data", "--symbols", "--from", "--to", "--epochs", "--seed", "--out", "--name", "--stride", "--max-frames", "--horizon", "--pivot-level", "--patience" })
        {
            Assert.Contains(option, verbHelp, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("train")]
    [InlineData("train", "fasttree", "--data", "x")]
    [InlineData("train", "cnn", "--data", "x", "--from", "2024-10-02")]
    [InlineData("train", "cnn", "--data", "x", "--from", "2024-10-02", "--to", "2024-10-01")]
    [InlineData("train", "cnn", "--data", "x", "--from", "2024-10-02", "--to", "2024-10-03", "--epochs", "0")]
    [InlineData("train", "cnn", "--data", "x", "--from", "2024-10-02", "--to", "2024-10-03", "--bogus", "1")]
    public void Bad_command_lines_exit_2(params string[] args)
    {
        var (code, output) = TrainerRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("error", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_cnn_on_a_small_real_range_writes_onnx_card_and_run()
    {
        var data = Path.Combine(_dir, "klines");
        CnnTestData.WriteKlineFolder(data, CnnTestData.RealBars);
        var output = Path.Combine(_dir, "onnx");

        var (code, text) = TrainerRunner.Run("train", "cnn", "--data", data, "--from", "2024-10-02T00:00", "--to", "2024-10-02T06:00",
            "--epochs", "2", "--seed", "5", "--out", output, "--name", "cnn-small", "--stride", "2", "--max-frames", "60", "--horizon", "3", "--pivot-level", "1");

        Assert.True(code == 0, text);
        var onnx = Path.Combine(output, "cnn-small.onnx");
        var card = ModelCard.Read(Path.Combine(output, "cnn-small.json"));
        Assert.Equal(CnnTestData.Schema.Hash, card.FeatureSchemaHash);
        Assert.Equal(new PivotLabelSettings(1, 3), card.Labels);
        Assert.Equal(["ETHUSDT", "BTCUSDT"], card.Data.Symbols);
        // 60 frames less the automatic gap of one frame (2% cap) at each of the two split boundaries.
        Assert.Equal(58, card.Data.TrainSamples + card.Data.ValidationSamples + card.Data.TestSamples);
        Assert.Equal(CnnTestData.RealFrom, card.Data.FromUtc);
        Assert.Contains(card.Notes, n => n.Contains("no 1s history", StringComparison.Ordinal));
        Assert.Contains("Gate score", text, StringComparison.Ordinal);

        using var session = new InferenceSession(onnx);
        Assert.Equal(card.Outputs.Select(o => o.Name), session.OutputNames);
        var run = Directory.GetFiles(Path.Combine(output, "runs"), "*.json").Single();
        var record = JsonSerializer.Deserialize<TrainingRunRecord>(File.ReadAllText(run), ModelCard.JsonOptions)!;
        Assert.Equal(Path.GetFullPath(onnx), record.OnnxPath);
        Assert.Equal(card.Epochs.Count, record.Epochs.Count);
    }

    [Fact]
    public async Task Background_retraining_writes_a_versioned_model_from_bars()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-02-03T04:05:06Z", System.Globalization.CultureInfo.InvariantCulture));
        var trainer = new TorchModelTrainer(time, baseOptions: new CnnTrainingOptions { ConvChannels = 16, Hidden = 12, Attention = 8, BatchSize = 32 });
        // The first 8 hours of 1m bars (about 450 frames) keep the test short.
        var cut = DateTimeOffset.Parse("2024-10-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var bars = CnnTestData.RealBars.Where(b => b.Timeframe != TradingDashboard.Core.Domain.Timeframe.OneMinute || b.OpenTimeMs < cut).ToList();
        var request = new RetrainRequest(
            bars, PivotDatasetBuilder.DefaultFeatures(CnnTestData.Symbols), new PivotLabelSettings(1, 3, ConfirmationMarginBars: 10),
            Path.Combine(_dir, "models"), "cnn-pivot", Epochs: 1, Seed: 3, Trigger: "retrain:test");

        var result = await trainer.RetrainAsync(request, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(Path.Combine(_dir, "models", "cnn-pivot-20260203T040506Z.onnx"), result.OnnxPath);
        Assert.True(File.Exists(result.OnnxPath));
        var card = ModelCard.Read(Path.Combine(_dir, "models", "cnn-pivot-20260203T040506Z.json"));
        Assert.Equal("cnn-pivot-20260203T040506Z", card.Name);
        var record = JsonSerializer.Deserialize<TrainingRunRecord>(File.ReadAllText(Path.Combine(_dir, "models", "runs", result.RunId + ".json")), ModelCard.JsonOptions)!;
        Assert.Equal("retrain:test", record.Trigger);

        // Too few bars: an unsuccessful result with a reason, not an exception.
        var tooFew = await trainer.RetrainAsync(request with { Bars = CnnTestData.RealBars.Take(50).ToList() }, CancellationToken.None);
        Assert.False(tooFew.Succeeded);
        Assert.Null(tooFew.OnnxPath);
    }
}
