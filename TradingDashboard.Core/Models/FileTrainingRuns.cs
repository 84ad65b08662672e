using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The training runs the trainer persists as <c>MODELS/runs/RUNID.json</c> (one <see cref="TrainingRunRecord"/> per file,
/// rewritten after each epoch). Read on demand, newest first; a file that does not parse (a run being written, or a bad
/// file) is skipped and logged once, never shown as a run.
/// </summary>
public sealed class FileTrainingRuns(ModelsFolder folder, ILogger<FileTrainingRuns> logger) : ITrainingRuns
{
    private readonly JsonRunFolder<TrainingRunRecord> _runs = new(Path.Combine(folder.Path, "runs"), r => r.RunId, logger);

    public string RunsDirectory => _runs.Directory;

    public IReadOnlyList<TrainingRunRecord> List() =>
        _runs.ReadAll().OrderByDescending(r => r.StartedUtc).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();

    public TrainingRunRecord? Get(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return _runs.Read(runId);
    }
}
