using TradingDashboard.Core.Models;

namespace TradingDashboard.Components.Pages.Models;

/// <summary>
/// The data a model was tested on, as far as it is known: the card's data range (the test split is its chronological
/// tail) and the number of test samples. Two models with equal ranges and test sample counts were tested on the same period.
/// </summary>
public sealed record TestPeriod(DateTimeOffset FromUtc, DateTimeOffset ToUtc, int TestSamples)
{
    public override string ToString() => $"{ModelDisplay.Range(FromUtc, ToUtc)}, {TestSamples} test samples";
}

/// <summary>A training run or a registered model that can be compared on its test metrics.</summary>
/// <param name="Period">Null when the test period is not known (a run whose model card is not in the registry).</param>
public sealed record ComparisonCandidate(string Key, string Label, ModelMetrics Test, TestPeriod? Period);

/// <summary>One (timeframe, class) row of the comparison: each candidate's test metrics for it, or null where it has none.</summary>
public sealed record ComparisonRow(string Timeframe, string Class, IReadOnlyList<ClassMetrics?> Cells);

/// <summary>Side-by-side test metrics of training runs and registered models.</summary>
public static class ModelComparison
{
    private static readonly string[] TimeframeOrder = ["1s", "1m", "1h", "1d"];
    private static readonly string[] ClassOrder = ["high", "low", "none"];

    /// <summary>How long after a run finished its model card may be stamped and still belong to it.</summary>
    public static readonly TimeSpan CardSlack = TimeSpan.FromMinutes(5);

    /// <summary>Every registered model with test metrics ("model:NAME"), then every run with test metrics ("run:ID").</summary>
    public static IReadOnlyList<ComparisonCandidate> Candidates(IReadOnlyList<TrainingRunRecord> runs, IReadOnlyList<RegisteredModel> models)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(models);
        var result = new List<ComparisonCandidate>();
        foreach (var model in models)
        {
            if (model.Card.Test is { } test)
            {
                result.Add(new ComparisonCandidate("model:" + model.Name, $"{model.Name} {model.Card.Version}", test, PeriodOf(model.Card)));
            }
        }

        foreach (var run in runs)
        {
            if (run.Test is { } test)
            {
                var card = CardOf(run, models);
                result.Add(new ComparisonCandidate("run:" + run.RunId, $"run {run.RunId} ({run.ModelName})", test, card is null ? null : PeriodOf(card)));
            }
        }

        return result;
    }

    /// <summary>The registered model card a run produced: same name, stamped while the run ran (or just after).</summary>
    public static ModelCard? CardOf(TrainingRunRecord run, IReadOnlyList<RegisteredModel> models)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(models);
        return models
            .Select(m => m.Card)
            .FirstOrDefault(c => string.Equals(c.Name, run.ModelName, StringComparison.Ordinal)
                && c.CreatedUtc >= run.StartedUtc
                && run.FinishedUtc is { } finished && c.CreatedUtc <= finished + CardSlack);
    }

    public static TestPeriod PeriodOf(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new TestPeriod(card.Data.FromUtc, card.Data.ToUtc, card.Data.TestSamples);
    }

    /// <summary>The union of the candidates' (timeframe, class) pairs, timeframes 1s..1d then others, classes high, low, none.</summary>
    public static IReadOnlyList<ComparisonRow> Rows(IReadOnlyList<ComparisonCandidate> selected)
    {
        ArgumentNullException.ThrowIfNull(selected);
        return selected
            .SelectMany(c => c.Test.Classes.Select(m => (m.Timeframe, m.Class)))
            .Distinct()
            .OrderBy(k => Rank(TimeframeOrder, k.Timeframe)).ThenBy(k => k.Timeframe, StringComparer.Ordinal)
            .ThenBy(k => Rank(ClassOrder, k.Class)).ThenBy(k => k.Class, StringComparer.Ordinal)
            .Select(k => new ComparisonRow(k.Timeframe, k.Class, selected
                .Select(c => c.Test.Classes.FirstOrDefault(m => m.Timeframe == k.Timeframe && m.Class == k.Class))
                .ToList()))
            .ToList();
    }

    /// <summary>Null when every selected candidate was tested on the same known period; otherwise what differs or is unknown.</summary>
    public static string? PeriodNote(IReadOnlyList<ComparisonCandidate> selected)
    {
        ArgumentNullException.ThrowIfNull(selected);
        if (selected.Count < 2)
        {
            return null;
        }

        var unknown = selected.Where(c => c.Period is null).Select(c => c.Label).ToList();
        if (unknown.Count > 0)
        {
            return $"Test period unknown for {string.Join(", ", unknown)} (no model card of the run in the registry): these may not be tested on the same period.";
        }

        if (selected.Select(c => c.Period).Distinct().Count() > 1)
        {
            return "Test periods differ, so these figures are not directly comparable: " + string.Join("; ", selected.Select(c => $"{c.Label}: {c.Period}"));
        }

        return null;
    }

    private static int Rank(string[] order, string value)
    {
        var index = Array.IndexOf(order, value);
        return index < 0 ? order.Length : index;
    }
}
