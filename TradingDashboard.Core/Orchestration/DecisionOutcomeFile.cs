using System.Text;
using System.Text.Json;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// Decision outcomes as JSON Lines (one <see cref="DecisionOutcome"/> per line, web JSON names): what
/// <c>evaluate-strategy --decisions-out</c> writes and <c>train gate --decisions</c> reads. A line that does not parse
/// is an error naming its line number: training data is never skipped silently.
/// </summary>
public static class DecisionOutcomeFile
{
    private static readonly JsonSerializerOptions LineOptions = new(ModelCard.JsonOptions) { WriteIndented = false };

    public static void Write(string path, IEnumerable<DecisionOutcome> decisions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(decisions);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        foreach (var decision in decisions)
        {
            writer.WriteLine(JsonSerializer.Serialize(decision, LineOptions));
        }
    }

    public static IReadOnlyList<DecisionOutcome> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var decisions = new List<DecisionOutcome>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                decisions.Add(JsonSerializer.Deserialize<DecisionOutcome>(line, LineOptions)
                    ?? throw new InvalidDataException($"{path}:{number}: empty decision."));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{number}: not a decision outcome: {ex.Message}", ex);
            }
        }

        return decisions;
    }
}
