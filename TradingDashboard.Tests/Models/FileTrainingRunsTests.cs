using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Tests.Models;

public sealed class FileTrainingRunsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "runs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static TrainingRunRecord Run(string id, int startedMinute, string status = "completed") => new(
        id,
        "cnn-pivot",
        ModelKinds.Cnn,
        new DateTimeOffset(2026, 11, 27, 10, startedMinute, 0, TimeSpan.Zero),
        null,
        status,
        null,
        "manual",
        [new EpochMetrics(1, 1.1, 1.2, 0.3, 4.5, 0.001)],
        [new FeatureHistogram("close", "1m", 0, 1, [1, 2, 3], 0.25)],
        null,
        null,
        null);

    [Fact]
    public void Lists_runs_newest_first_and_skips_unreadable_files()
    {
        var runs = new FileTrainingRuns(new ModelsFolder(_folder), NullLogger<FileTrainingRuns>.Instance);
        Assert.Empty(runs.List());

        Directory.CreateDirectory(runs.RunsDirectory);
        File.WriteAllText(Path.Combine(runs.RunsDirectory, "a.json"), System.Text.Json.JsonSerializer.Serialize(Run("a", 1), ModelCard.JsonOptions));
        File.WriteAllText(Path.Combine(runs.RunsDirectory, "b.json"), System.Text.Json.JsonSerializer.Serialize(Run("b", 5, "running"), ModelCard.JsonOptions));
        File.WriteAllText(Path.Combine(runs.RunsDirectory, "broken.json"), "{ \"runId\": ");

        var list = runs.List();
        Assert.Equal(["b", "a"], list.Select(r => r.RunId));
        Assert.Equal("running", list[0].Status);
        Assert.Equal(0.25, list[1].Histograms[0].MaskedFraction);
        Assert.Equal(3, runs.Get("a")!.Histograms[0].Counts[2]);
        Assert.Null(runs.Get("broken"));
        Assert.Null(runs.Get("../a"));
        Assert.Null(runs.Get("missing"));
    }
}
