using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Components.Charts;

/// <summary>What <see cref="ChartOverlays.Apply"/> found new in the data processor's view.</summary>
/// <param name="NeedsRedraw">The figure's traces change (indicator columns appeared or changed): send the whole figure.</param>
/// <param name="IndicatorsReset">The indicator rows were reloaded: send every indicator trace again.</param>
/// <param name="Rows">Indicator rows appended or replaced (when not reset).</param>
/// <param name="PivotsChanged">New pivots: send the pivot traces again.</param>
public sealed record OverlayChange(bool NeedsRedraw, bool IndicatorsReset, IReadOnlyList<IndicatorRow> Rows, bool PivotsChanged)
{
    public static OverlayChange None { get; } = new(false, false, [], false);

    public bool Any => NeedsRedraw || IndicatorsReset || Rows.Count > 0 || PivotsChanged;
}

/// <summary>
/// Everything the chart draws from the data processor for one symbol and timeframe: indicator rows, pivot markers, the
/// plan of which columns become overlays and panels, the user's toggles, and the per-level summary (trend, support,
/// resistance). One instance per chart; the page updates it, the chart binds its traces to it.
/// </summary>
public sealed class ChartOverlays(int capacity)
{
    public IndicatorSeries Indicators { get; } = new(capacity);

    public PivotMarkers Pivots { get; } = new();

    public IndicatorPlan Plan { get; private set; } = IndicatorPlan.Empty;

    public ChartToggles Toggles { get; set; } = ChartToggles.Default;

    /// <summary>The latest predicted next pivot of the series, or null when no model predicts its timeframe.</summary>
    public PredictionMarker? Prediction { get; set; }

    /// <summary>Orchestrator and RL markers of the series; null when the host runs no orchestrator (no traces then).</summary>
    public ActionMarkers? Actions { get; set; }

    /// <summary>Trend, last pivots, nearest support / resistance and bounds per level, as of the processor's last bar.</summary>
    public IReadOnlyList<PivotLevelSummary> Levels { get; private set; } = [];

    /// <summary>Whether the processor has closed bars of the series.</summary>
    public bool HasBars => LastProcessedOpenTimeMs is not null;

    /// <summary>Open time of the processor's newest closed bar of the series; null when it has none.</summary>
    public long? LastProcessedOpenTimeMs { get; private set; }

    /// <summary>Whether the processor returned a series at all (false: unknown series, or the stage never started).</summary>
    public bool HasSeries { get; private set; }

    /// <summary>Open time before which bars and pivots are not shown (the chart's first candle).</summary>
    public long FromOpenTimeMs { get; private set; } = long.MinValue;

    /// <summary>Loads <paramref name="view"/> (null: the processor has no such series) for a window that starts at <paramref name="fromOpenTimeMs"/>.</summary>
    public void Reset(SeriesView? view, long fromOpenTimeMs)
    {
        FromOpenTimeMs = fromOpenTimeMs;
        HasSeries = view is not null;
        Indicators.Reset(view, fromOpenTimeMs);
        Plan = IndicatorPlan.From(Indicators.Columns);
        Pivots.Reset(view?.Pivots ?? [], fromOpenTimeMs);
        Summarize(view);
    }

    /// <summary>Takes what is new in <paramref name="view"/>, the processor's last <paramref name="requested"/> bars.</summary>
    public OverlayChange Apply(SeriesView? view, int requested)
    {
        if (view is null)
        {
            if (!HasSeries)
            {
                return OverlayChange.None;
            }

            // The series went away (the stage restarted with other settings): show that it is gone.
            Reset(null, FromOpenTimeMs);
            return new OverlayChange(true, true, [], true);
        }

        var hadSeries = HasSeries;
        HasSeries = true;
        var indicators = Indicators.Apply(view, requested);
        var reset = indicators.NeedsReset;
        var redraw = !hadSeries;
        if (reset)
        {
            // The rows to reload go further back than the view just read: the caller passes the full view to Reload.
            return new OverlayChange(NeedsRedraw: redraw, IndicatorsReset: true, [], PivotsChanged: true);
        }

        var pivotsChanged = Pivots.IsOutdated(view.Pivots);
        if (pivotsChanged)
        {
            Pivots.Reset(view.Pivots, FromOpenTimeMs);
        }

        Summarize(view);
        return new OverlayChange(redraw, false, indicators.Rows, pivotsChanged);
    }

    /// <summary>Reloads the indicator rows and pivots from a full <paramref name="view"/>; true when the plan (and so the traces) changed.</summary>
    public bool Reload(SeriesView? view)
    {
        var before = Plan;
        Reset(view, FromOpenTimeMs);
        return !before.Keys.SequenceEqual(Plan.Keys, StringComparer.Ordinal);
    }

    private void Summarize(SeriesView? view)
    {
        Levels = view?.Levels ?? [];
        LastProcessedOpenTimeMs = view is { Bars.Count: > 0 } ? view.Bars[^1].OpenTimeMs : null;
    }
}
