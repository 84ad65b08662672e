using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Domain;
using TradingDashboard.Trainer.FastTree;

namespace TradingDashboard.Tests.Models.FastTree;

/// <summary>Determinism and the 1h model (its own class so it runs beside the other FastTree tests).</summary>
public sealed class FastTreeDeterminismTests : IDisposable
{
    private static readonly FastTreeSettings Small = new() { Trees = 20, Leaves = 8, MinimumExampleCountPerLeaf = 5, LearningRate = 0.3, Seed = 3 };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-fasttree-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private FastTreeTrainingResult Train(Timeframe timeframe, string folder) =>
        new FastTreeTrainer(new FakeTimeProvider(new DateTimeOffset(2024, 11, 27, 15, 30, 0, TimeSpan.Zero)))
            .Train(new FastTreeTrainingRequest(SyntheticPivotData.Create(900), timeframe, folder, Small));

    [Fact]
    public void Same_seed_and_data_give_identical_files_and_1h_trains_on_its_own_labels()
    {
        var first = Train(Timeframe.OneHour, Path.Combine(_directory, "a"));
        var second = Train(Timeframe.OneHour, Path.Combine(_directory, "b"));
        Assert.Equal(File.ReadAllBytes(first.OnnxPath), File.ReadAllBytes(second.OnnxPath));
        Assert.Equal(File.ReadAllText(first.CardPath), File.ReadAllText(second.CardPath));
        Assert.Equal("fasttree-1h", first.Card.Name);
        Assert.Equal("Score.output", first.Card.ProbabilityOutputs["1h"]);

        // The last 10 1h labels are unknown, so the labelled span is 890 frames; 1h horizon = 5 hours = 300 one-minute frames
        // dropped at each boundary: train [0, 623 - 300), validation [623, 756 - 300) = empty, test [756, 890).
        Assert.Equal(623 - 300, first.Card.Data.TrainSamples);
        Assert.Equal(0, first.Card.Data.ValidationSamples);
        Assert.Equal(890 - 756, first.Card.Data.TestSamples);
        Assert.Equal(0, first.Card.GateScore);
        Assert.Empty(first.Run.Epochs);
        Assert.Contains(first.Card.Notes, n => n.Contains("gate score is 0", StringComparison.Ordinal));
    }
}
