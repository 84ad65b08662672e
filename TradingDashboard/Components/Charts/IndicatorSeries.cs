using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Components.Charts;

/// <summary>One row of indicator values: a closed bar's, or the forming bar's peeked values.</summary>
/// <param name="Values">Aligned with <see cref="IndicatorSeries.Columns"/>; null where the value is not yet valid.</param>
public sealed record IndicatorRow(long OpenTimeMs, string X, IReadOnlyList<double?> Values, bool IsClosed);

/// <summary>What <see cref="IndicatorSeries.Apply"/> did.</summary>
/// <param name="NeedsReset">The view does not continue the series (columns changed, or bars were missed): reload it.</param>
/// <param name="Rows">Rows appended or replaced, oldest first.</param>
public sealed record IndicatorChange(bool NeedsReset, IReadOnlyList<IndicatorRow> Rows)
{
    public static IndicatorChange Reset { get; } = new(true, []);

    public static IndicatorChange None { get; } = new(false, []);
}

/// <summary>
/// The data processor's indicator columns for the shown series, oldest first, as the column lists Plotly's overlay and
/// panel traces are bound to (like <see cref="CandleSeries"/>). A value that is not yet valid is null, which Plotly draws
/// as a gap; it is never replaced by zero. The last row may be the forming bar's peeked values; its closed values replace
/// it when the bar closes. The browser applies the same rules to its copy (wwwroot-assets/js/candle-chart.js, applySeries).
/// </summary>
public sealed class IndicatorSeries
{
    private readonly List<long> _times = [];
    private readonly List<bool> _closed = [];
    private Dictionary<string, List<object>> _values = new(StringComparer.Ordinal);
    private string[] _columns = [];
    private long _fromOpenTimeMs = long.MinValue;
    private long _intervalMs;

    public IndicatorSeries(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _times.Count;

    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Plotly date strings, shared by every indicator trace.</summary>
    public List<object> X { get; } = [];

    public IReadOnlyList<long> OpenTimes => _times;

    /// <summary>Open time of the newest closed row; null when there is none.</summary>
    public long? LastClosedOpenTimeMs
    {
        get
        {
            for (var i = _times.Count - 1; i >= 0; i--)
            {
                if (_closed[i])
                {
                    return _times[i];
                }
            }

            return null;
        }
    }

    /// <summary>Whether the newest row holds a forming bar's values.</summary>
    public bool EndsWithForming => _closed.Count > 0 && !_closed[^1];

    /// <summary>The y list of a column (null elements are gaps); empty for an unknown column.</summary>
    public IReadOnlyList<object> Values(string column) => _values.TryGetValue(column, out var list) ? list : [];

    /// <summary>The y list a trace binds to.</summary>
    internal List<object> ValuesList(string column) => _values.TryGetValue(column, out var list) ? list : [];

    /// <summary>The value at <paramref name="index"/>; null where not valid.</summary>
    public double? ValueAt(string column, int index) => _values.TryGetValue(column, out var list) ? (double?)list[index] : null;

    /// <summary>Replaces the content with the closed bars of <paramref name="view"/> that opened at or after <paramref name="fromOpenTimeMs"/>, then its forming values.</summary>
    public void Reset(SeriesView? view, long fromOpenTimeMs = long.MinValue)
    {
        _times.Clear();
        _closed.Clear();
        X.Clear();
        _fromOpenTimeMs = fromOpenTimeMs;
        _intervalMs = view?.Timeframe.DurationMs() ?? 0;
        _columns = view is null ? [] : [.. view.Indicators.Keys];
        _values = _columns.ToDictionary(c => c, _ => new List<object>(), StringComparer.Ordinal);
        if (view is null)
        {
            return;
        }

        var start = 0;
        while (start < view.Bars.Count && view.Bars[start].OpenTimeMs < fromOpenTimeMs)
        {
            start++;
        }

        start = Math.Max(start, view.Bars.Count - Capacity);
        for (var i = start; i < view.Bars.Count; i++)
        {
            AppendAfterGap(ClosedRow(view, i), rows: null);
        }

        if (FormingRow(view) is { } forming)
        {
            AppendAfterGap(forming, rows: null);
        }

        Trim();
    }

    /// <summary>
    /// Brings the series up to date with <paramref name="view"/>, the processor's last <paramref name="requested"/> bars:
    /// appends newer closed rows, replaces a forming row by its closed values, then sets the forming values.
    /// </summary>
    public IndicatorChange Apply(SeriesView view, int requested)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!SameColumns(view))
        {
            return IndicatorChange.Reset;
        }

        // Bars missed between the last one shown (or the window's start) and the oldest one fetched: only a reload can fill them.
        var lastClosed = LastClosedOpenTimeMs;
        var start = lastClosed ?? _fromOpenTimeMs;
        if (view.Bars.Count >= requested && view.Bars.Count > 0 && view.Bars[0].OpenTimeMs > start)
        {
            return IndicatorChange.Reset;
        }

        var first = 0;
        while (first < view.Bars.Count && (view.Bars[first].OpenTimeMs < _fromOpenTimeMs || (lastClosed is { } last && view.Bars[first].OpenTimeMs <= last)))
        {
            first++;
        }

        // A forming row ahead of a bar that has only now closed (the processor peeked the next bar first): the
        // forming row cannot be moved behind it in place, so reload.
        if (first < view.Bars.Count && EndsWithForming && view.Bars[first].OpenTimeMs < _times[^1])
        {
            return IndicatorChange.Reset;
        }

        var rows = new List<IndicatorRow>();
        for (var i = first; i < view.Bars.Count; i++)
        {
            Put(ClosedRow(view, i), rows);
        }

        if (FormingRow(view) is { } forming)
        {
            Put(forming, rows);
        }

        if (rows.Count == 0)
        {
            return IndicatorChange.None;
        }

        Trim();
        return new IndicatorChange(false, rows);
    }

    private bool SameColumns(SeriesView view)
    {
        if (view.Indicators.Count != _columns.Length)
        {
            return false;
        }

        var i = 0;
        foreach (var key in view.Indicators.Keys)
        {
            if (!string.Equals(key, _columns[i++], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private IndicatorRow ClosedRow(SeriesView view, int index)
    {
        var values = new double?[_columns.Length];
        for (var c = 0; c < _columns.Length; c++)
        {
            values[c] = view.Indicators[_columns[c]][index] is { } v && double.IsFinite(v) ? v : null;
        }

        var openTime = view.Bars[index].OpenTimeMs;
        return new IndicatorRow(openTime, CandleSeries.FormatTime(openTime), values, IsClosed: true);
    }

    private IndicatorRow? FormingRow(SeriesView view)
    {
        if (view.Forming is not { } forming || forming.OpenTimeMs < _fromOpenTimeMs || (LastClosedOpenTimeMs is { } lastClosed && forming.OpenTimeMs <= lastClosed)
            || (view.Bars.Count > 0 && forming.OpenTimeMs <= view.Bars[^1].OpenTimeMs))
        {
            return null;
        }

        var values = new double?[_columns.Length];
        for (var c = 0; c < _columns.Length; c++)
        {
            values[c] = forming.Values.TryGetValue(_columns[c], out var v) && v is { } x && double.IsFinite(x) ? x : null;
        }

        return new IndicatorRow(forming.OpenTimeMs, CandleSeries.FormatTime(forming.OpenTimeMs), values, IsClosed: false);
    }

    // Appends a newer row or replaces the newest row when it is the same bar and not final; changed rows go to rows.
    private void Put(IndicatorRow row, List<IndicatorRow> rows)
    {
        if (_times.Count == 0 || row.OpenTimeMs > _times[^1])
        {
            AppendAfterGap(row, rows);
            return;
        }

        if (row.OpenTimeMs != _times[^1] || _closed[^1])
        {
            return;
        }

        var index = _times.Count - 1;
        var changed = row.IsClosed;
        for (var c = 0; c < _columns.Length; c++)
        {
            var list = _values[_columns[c]];
            var current = (double?)list[index];
            if (current != row.Values[c])
            {
                list[index] = Box(row.Values[c]);
                changed = true;
            }
        }

        _closed[index] = row.IsClosed;
        if (changed)
        {
            rows.Add(row);
        }
    }

    // Bars the processor never saw (a hole in the feed, or bars it dropped) must not be bridged by a straight line:
    // one empty row at the first missing bar makes Plotly break the line there. Only before closed rows, so that the
    // newest closed row is always a real bar.
    private void AppendAfterGap(IndicatorRow row, List<IndicatorRow>? rows)
    {
        if (row.IsClosed && _intervalMs > 0 && _times.Count > 0 && row.OpenTimeMs > _times[^1] + _intervalMs)
        {
            var gapTime = _times[^1] + _intervalMs;
            var gap = new IndicatorRow(gapTime, CandleSeries.FormatTime(gapTime), new double?[_columns.Length], IsClosed: true);
            Append(gap);
            rows?.Add(gap);
        }

        Append(row);
        rows?.Add(row);
    }

    private void Append(IndicatorRow row)
    {
        _times.Add(row.OpenTimeMs);
        _closed.Add(row.IsClosed);
        X.Add(row.X);
        for (var c = 0; c < _columns.Length; c++)
        {
            _values[_columns[c]].Add(Box(row.Values[c]));
        }
    }

    private void Trim()
    {
        var excess = _times.Count - Capacity;
        if (excess <= 0)
        {
            return;
        }

        _times.RemoveRange(0, excess);
        _closed.RemoveRange(0, excess);
        X.RemoveRange(0, excess);
        foreach (var list in _values.Values)
        {
            list.RemoveRange(0, excess);
        }
    }

    // Plotly reads a null y as a gap: that is how "not yet valid" is drawn.
    private static object Box(double? value) => value is { } v ? v : null!;
}
