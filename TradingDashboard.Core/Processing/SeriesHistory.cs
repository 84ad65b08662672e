using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// What the dashboard reads of one series: the last closed bars with their indicator values, recent pivots, and the
/// per-level summary. Written by the processing thread, read from any thread (copies are taken under a lock).
/// </summary>
public sealed class SeriesHistory
{
    private readonly Lock _gate = new();
    private readonly string[] _columns;
    private readonly int _capacity;
    private readonly OHLCVBar[] _bars;
    private readonly double[] _rows;
    private readonly int _pivotCapacity;
    private readonly Queue<PivotPoint> _pivots = new();
    private long _count;
    private IReadOnlyList<PivotLevelSummary> _levels = [];
    private IndicatorSnapshot? _forming;

    public SeriesHistory(string symbol, Timeframe timeframe, IReadOnlyList<string> columns, int capacity, int pivotCapacity)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Symbol = symbol;
        Timeframe = timeframe;
        _columns = columns.ToArray();
        _capacity = Math.Max(1, capacity);
        _bars = new OHLCVBar[_capacity];
        _rows = new double[_capacity * _columns.Length];
        _pivotCapacity = Math.Max(1, pivotCapacity);
    }

    public string Symbol { get; }

    public Timeframe Timeframe { get; }

    public IReadOnlyList<string> Columns => _columns;

    public long BarCount
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    internal void Append(OHLCVBar bar, ReadOnlySpan<double> row, IReadOnlyList<PivotPoint> newPivots, IReadOnlyList<PivotLevelSummary> levels)
    {
        lock (_gate)
        {
            var slot = (int)(_count % _capacity);
            _bars[slot] = bar;
            row[.._columns.Length].CopyTo(_rows.AsSpan(slot * _columns.Length, _columns.Length));
            _count++;
            foreach (var pivot in newPivots)
            {
                _pivots.Enqueue(pivot);
                if (_pivots.Count > _pivotCapacity)
                {
                    _pivots.Dequeue();
                }
            }

            _levels = levels;
            if (_forming is not null && _forming.OpenTimeMs <= bar.OpenTimeMs)
            {
                _forming = null;
            }
        }
    }

    internal void SetForming(IndicatorSnapshot forming)
    {
        lock (_gate)
        {
            _forming = forming;
        }
    }

    public IReadOnlyList<PivotLevelSummary> Levels
    {
        get
        {
            lock (_gate)
            {
                return _levels;
            }
        }
    }

    /// <summary>Recent pivots (all levels, or one), oldest confirmed first.</summary>
    public IReadOnlyList<PivotPoint> GetPivots(int? level = null, int limit = int.MaxValue)
    {
        lock (_gate)
        {
            var selected = level is null ? _pivots.ToList() : _pivots.Where(p => p.Level == level).ToList();
            return selected.Count > limit ? selected.GetRange(selected.Count - limit, limit) : selected;
        }
    }

    /// <summary>The last <paramref name="limit"/> closed bars with indicator columns (null = not valid), plus pivots and levels.</summary>
    public SeriesView GetView(int limit)
    {
        lock (_gate)
        {
            var n = (int)Math.Min(Math.Min(_count, _capacity), Math.Max(0, limit));
            var bars = new OHLCVBar[n];
            var columns = new Dictionary<string, IReadOnlyList<double?>>(_columns.Length, StringComparer.Ordinal);
            var values = new double?[_columns.Length][];
            for (var c = 0; c < _columns.Length; c++)
            {
                values[c] = new double?[n];
                columns[_columns[c]] = values[c];
            }

            for (var i = 0; i < n; i++)
            {
                var slot = (int)((_count - n + i) % _capacity);
                bars[i] = _bars[slot];
                for (var c = 0; c < _columns.Length; c++)
                {
                    var v = _rows[(slot * _columns.Length) + c];
                    values[c][i] = double.IsFinite(v) ? v : null;
                }
            }

            return new SeriesView(Symbol, Timeframe, bars, columns, _pivots.ToList(), _levels, _forming);
        }
    }
}

/// <summary>
/// One symbol and timeframe for the dashboard: closed bars (oldest first), indicator columns aligned with them (null where
/// not yet valid), recent pivots of all levels, trend / support / resistance / bounds per level, and the indicator
/// values of the forming bar (peek), if any.
/// </summary>
public sealed record SeriesView(
    string Symbol,
    Timeframe Timeframe,
    IReadOnlyList<OHLCVBar> Bars,
    IReadOnlyDictionary<string, IReadOnlyList<double?>> Indicators,
    IReadOnlyList<PivotPoint> Pivots,
    IReadOnlyList<PivotLevelSummary> Levels,
    IndicatorSnapshot? Forming)
{
    /// <summary>The bars with <see cref="OHLCVBar.Indicators"/> filled with their valid values.</summary>
    public IReadOnlyList<OHLCVBar> BarsWithIndicators() =>
        Bars.Select((bar, i) => bar with
        {
            Indicators = Indicators.Where(kv => kv.Value[i].HasValue).ToDictionary(kv => kv.Key, kv => kv.Value[i]!.Value, StringComparer.Ordinal),
        }).ToList();
}
