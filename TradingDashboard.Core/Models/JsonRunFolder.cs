using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Models;

/// <summary>
/// A folder of training-run records, one JSON file per run (<c>RUNID.json</c>), read on demand. A file that does not parse
/// (a run being written, or a bad file) is skipped and logged once, never shown as a run; run ids that are not plain
/// file names are refused. <see cref="Write"/> replaces a run's file atomically (write, then rename).
/// </summary>
public sealed partial class JsonRunFolder<T>(string directory, Func<T, string> runId, ILogger logger)
    where T : class
{
    private readonly HashSet<string> _reported = [];
    private readonly Lock _gate = new();

    public string Directory => directory;

    public static bool IsValidRunId(string? id) =>
        !string.IsNullOrEmpty(id) && id.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>Every readable run, in no particular order.</summary>
    public List<T> ReadAll()
    {
        var runs = new List<T>();
        if (!System.IO.Directory.Exists(directory))
        {
            return runs;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*.json"))
        {
            if (TryRead(path) is { } run)
            {
                runs.Add(run);
            }
        }

        return runs;
    }

    public T? Read(string id)
    {
        if (!IsValidRunId(id))
        {
            return null;
        }

        var path = Path.Combine(directory, id + ".json");
        return File.Exists(path) ? TryRead(path) : null;
    }

    /// <summary>Writes (or replaces) the run's file. Throws <see cref="ArgumentException"/> for a run id that is not a plain file name.</summary>
    public void Write(T run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var id = runId(run);
        if (!IsValidRunId(id))
        {
            throw new ArgumentException($"Run id '{id}' is not a plain file name.", nameof(run));
        }

        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, id + ".json");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(run, ModelCard.JsonOptions));
        File.Move(temporary, path, overwrite: true);
    }

    private T? TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var run = JsonSerializer.Deserialize<T>(stream, ModelCard.JsonOptions);
            if (run is null || string.IsNullOrEmpty(runId(run)))
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
