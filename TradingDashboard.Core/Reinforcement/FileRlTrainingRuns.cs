using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>
/// The RL training runs the trainer persists as <c>MODELS/runs/rl/RUNID.json</c> (one <see cref="RlTrainingRunRecord"/>
/// per file, rewritten as episodes finish). Read on demand, newest first; a file that does not parse is skipped and
/// logged once, never shown as a run. <see cref="Write"/> replaces a run's file atomically (write, then rename), so a
/// reader never sees half a file.
/// </summary>
public sealed partial class FileRlTrainingRuns(ModelsFolder folder, ILogger<FileRlTrainingRuns> logger) : IRlTrainingRuns
{
    private readonly HashSet<string> _reported = [];
    private readonly Lock _gate = new();

    public string RunsDirectory => Path.Combine(folder.Path, "runs", "rl");

    public IReadOnlyList<RlTrainingRunRecord> List()
    {
        if (!Directory.Exists(RunsDirectory))
        {
            return [];
        }

        var runs = new List<RlTrainingRunRecord>();
        foreach (var path in Directory.EnumerateFiles(RunsDirectory, "*.json"))
        {
            if (TryRead(path) is { } run)
            {
                runs.Add(run);
            }
        }

        return runs.OrderByDescending(r => r.StartedUtc).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
    }

    public RlTrainingRunRecord? Get(string runId)
    {
        if (!IsValidRunId(runId))
        {
            return null;
        }

        var path = Path.Combine(RunsDirectory, runId + ".json");
        return File.Exists(path) ? TryRead(path) : null;
    }

    /// <summary>Writes (or replaces) the run's file. Throws <see cref="ArgumentException"/> for a run id that is not a plain file name.</summary>
    public void Write(RlTrainingRunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!IsValidRunId(run.RunId))
        {
            throw new ArgumentException($"Run id '{run.RunId}' is not a plain file name.", nameof(run));
        }

        Directory.CreateDirectory(RunsDirectory);
        var path = Path.Combine(RunsDirectory, run.RunId + ".json");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(run, ModelCard.JsonOptions));
        File.Move(temporary, path, overwrite: true);
    }

    private static bool IsValidRunId(string? runId) =>
        !string.IsNullOrEmpty(runId) && runId.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && !runId.Contains("..", StringComparison.Ordinal);

    private RlTrainingRunRecord? TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var run = JsonSerializer.Deserialize<RlTrainingRunRecord>(stream, ModelCard.JsonOptions);
            if (run is null || string.IsNullOrEmpty(run.RunId))
            {
                throw new JsonException("empty or without a run id");
            }

            return run;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            lock (_gate)
            {
                if (_reported.Add(path))
                {
                    LogUnreadable(logger, ex, path);
                }
            }

            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RL training run file {Path} could not be read; it is not listed")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string path);
}
