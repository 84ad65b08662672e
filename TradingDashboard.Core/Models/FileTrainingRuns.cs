using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The training runs the trainer persists as <c>MODELS/runs/RUNID.json</c> (one <see cref="TrainingRunRecord"/> per file,
/// rewritten after each epoch). Read on demand, newest first; a file that does not parse (a run being written, or a bad
/// file) is skipped and logged once, never shown as a run.
/// </summary>
public sealed partial class FileTrainingRuns(ModelsFolder folder, ILogger<FileTrainingRuns> logger) : ITrainingRuns
{
    private readonly HashSet<string> _reported = [];
    private readonly Lock _gate = new();

    public string RunsDirectory => Path.Combine(folder.Path, "runs");

    public IReadOnlyList<TrainingRunRecord> List()
    {
        if (!Directory.Exists(RunsDirectory))
        {
            return [];
        }

        var runs = new List<TrainingRunRecord>();
        foreach (var path in Directory.EnumerateFiles(RunsDirectory, "*.json"))
        {
            if (TryRead(path) is { } run)
            {
                runs.Add(run);
            }
        }

        return runs.OrderByDescending(r => r.StartedUtc).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
    }

    public TrainingRunRecord? Get(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (runId.Length == 0 || runId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || runId.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        var path = Path.Combine(RunsDirectory, runId + ".json");
        return File.Exists(path) ? TryRead(path) : null;
    }

    private TrainingRunRecord? TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var run = JsonSerializer.Deserialize<TrainingRunRecord>(stream, ModelCard.JsonOptions);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training run file {Path} could not be read; it is not listed")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string path);
}
