using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Models;

/// <summary>The models shipped in onnx/: every one has a card, matches the running schema, loads and predicts in the real host.</summary>
public sealed class ShippedModelsTests
{
    private static string ShippedFolder() =>
        Path.Combine(
            Core.Configuration.RepositoryRoot.Find(AppContext.BaseDirectory)
                ?? throw new InvalidOperationException("Repository root (TradingDashboard.sln) not found above the test binaries."),
            "onnx");

    [Fact]
    public void Every_shipped_model_has_a_card_for_the_running_feature_schema()
    {
        var folder = ShippedFolder();
        var files = Directory.GetFiles(folder, "*.onnx");
        Assert.Contains(files, f => Path.GetFileName(f) == "cnn-pivot.onnx");
        Assert.Contains(files, f => Path.GetFileName(f) == "fasttree-1m.onnx");
        Assert.Contains(files, f => Path.GetFileName(f) == "fasttree-1h.onnx");

        var running = new FeatureSchema(DataProcessorSettings.From(new Core.Configuration.TradingOptions(), new DataProcessorOptions()).Features!).Hash;
        foreach (var file in files)
        {
            var card = ModelCard.Read(Path.ChangeExtension(file, ".json"));
            Assert.Equal(running, card.FeatureSchemaHash);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))), card.OnnxSha256);
            Assert.True(new FileInfo(file).Length < 8 * 1024 * 1024, $"{file} is larger than a few MB");
            Assert.NotNull(card.Test);
            var name = Path.GetFileNameWithoutExtension(file);
            if (card.Kind == ModelKinds.Cnn)
            {
                Assert.Equal(["1s", "1m", "1h", "1d"], card.Timeframes);
                Assert.Equal(17, card.Opset);
            }
            else
            {
                Assert.Equal(ModelKinds.FastTree, card.Kind);
                Assert.Equal([name["fasttree-".Length..]], card.Timeframes);
            }
        }
    }

    [Fact]
    public async Task The_host_loads_every_shipped_model_and_each_predicts_finite_probabilities()
    {
        var folder = ShippedFolder();
        await using var factory = HostFactory.Create(o =>
        {
            o.Settings["Trading:Models:Directory"] = folder;
            o.Settings["Trading:Models:WatchForNewModels"] = "false";
        });
        using var client = factory.CreateClient();

        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        Assert.Empty(registry.Refused);
        Assert.Equal(Directory.GetFiles(folder, "*.onnx").Length, registry.Models.Count);
        Assert.Equal(["cnn", "fasttree-1h", "fasttree-1m"], registry.Active.Select(m => ModelSlots.For(m.Card)).Order(StringComparer.Ordinal));

        var schema = factory.Services.GetRequiredService<RunningFeatureSchema>().Current!;
        var frame = ModelRegistry.SyntheticFrames(schema, 1)[0];
        foreach (var model in registry.Active)
        {
            Assert.Equal("CPU", model.ExecutionProvider);
            var prediction = model.Predict(frame);
            foreach (var head in prediction.Timeframes.Where(t => t.Available))
            {
                var sum = head.ProbabilityNone + head.ProbabilityHigh + head.ProbabilityLow;
                Assert.InRange(sum, 0.999f, 1.001f);
                Assert.InRange(head.Confidence, 0f, 1f);
            }

            if (model.Card.Kind == ModelKinds.Cnn)
            {
                Assert.Equal(model.Card.Outputs.Single(o => o.Name == model.Card.HiddenOutput).Shape[^1], prediction.HiddenState.Count);
            }
        }
    }
}
