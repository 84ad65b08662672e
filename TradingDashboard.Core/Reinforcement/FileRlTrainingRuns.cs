using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>
/// The RL training runs the trainer persists as <c>MODELS/runs/rl/RUNID.json</c> (one <see cref="RlTrainingRunRecord"/>
/// per file, rewritten as episodes finish). Read on demand, newest first; a file that does not parse is skipped and
/// logged once, never shown as a run. <see cref="Write"/> replaces a run's file atomically (write, then rename), so a
/// reader never sees half a file.
/// </summary>
public sealed class FileRlTrainingRuns(ModelsFolder folder, ILogger<FileRlTrainingRuns> logger) : IRlTrainingRuns
{
    private readonly JsonRunFolder<RlTrainingRunRecord> _runs = new(Path.Combine(folder.Path, "runs", "rl"), r => r.RunId, logger);

    public string RunsDirectory => _runs.Directory;

    public IReadOnlyList<RlTrainingRunRecord> List() =>
        _runs.ReadAll().OrderByDescending(r => r.StartedUtc).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();

    public RlTrainingRunRecord? Get(string runId) => _runs.Read(runId);

    /// <summary>Writes (or replaces) the run's file. Throws <see cref="ArgumentException"/> for a run id that is not a plain file name.</summary>
    public void Write(RlTrainingRunRecord run) => _runs.Write(run);
}
