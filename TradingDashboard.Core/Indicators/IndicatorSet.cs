namespace TradingDashboard.Core.Indicators;

/// <summary>
/// Several indicators run together over one series (one symbol and timeframe), their outputs flattened into one row of
/// named columns. Not thread-safe: one set per series, fed by one thread.
/// </summary>
public sealed class IndicatorSet
{
    private readonly IStreamingIndicator[] _indicators;
    private readonly int[] _offsets;
    private readonly string[] _columns;
    private readonly int[] _lookbacks;

    public IndicatorSet(IEnumerable<IndicatorSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var list = specs.DistinctBy(s => s.Name).ToList();
        _indicators = list.Select(s => s.Create()).ToArray();
        Specs = list;
        _offsets = new int[_indicators.Length];
        var columns = new List<string>();
        var lookbacks = new List<int>();
        for (var i = 0; i < _indicators.Length; i++)
        {
            _offsets[i] = columns.Count;
            columns.AddRange(_indicators[i].OutputNames);
            lookbacks.AddRange(_indicators[i].Lookbacks);
        }

        _columns = columns.ToArray();
        _lookbacks = lookbacks.ToArray();
    }

    public static IndicatorSet CreateDefault() => new(IndicatorSpec.Defaults);

    public IReadOnlyList<IndicatorSpec> Specs { get; }

    /// <summary>Output column names, in row order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Per column, the bars consumed before the first valid value.</summary>
    public IReadOnlyList<int> Lookbacks => _lookbacks;

    public int ColumnCount => _columns.Length;

    public long Count => _indicators.Length == 0 ? 0 : _indicators[0].Count;

    public int IndexOf(string column) => Array.IndexOf(_columns, column);

    /// <summary>Consumes one closed candle; writes every column into <paramref name="row"/> (NaN where not valid).</summary>
    public void Update(in PriceBar bar, Span<double> row)
    {
        CheckRow(row);
        for (var i = 0; i < _indicators.Length; i++)
        {
            _indicators[i].Update(bar, row[_offsets[i]..]);
        }
    }

    /// <summary>The row a forming candle would give if it closed now. Changes nothing.</summary>
    public void Peek(in PriceBar bar, Span<double> row)
    {
        CheckRow(row);
        for (var i = 0; i < _indicators.Length; i++)
        {
            _indicators[i].Peek(bar, row[_offsets[i]..]);
        }
    }

    public void Reset()
    {
        foreach (var indicator in _indicators)
        {
            indicator.Reset();
        }
    }

    /// <summary>Batch form: runs <see cref="Update"/> over <paramref name="bars"/> on a fresh set with the same specs.</summary>
    public IndicatorTable ComputeBatch(ReadOnlySpan<PriceBar> bars)
    {
        var fresh = new IndicatorSet(Specs);
        return IndicatorBatch.Run(fresh, bars);
    }

    private void CheckRow(Span<double> row)
    {
        if (row.Length < _columns.Length)
        {
            throw new ArgumentException($"The row needs {_columns.Length} values; it holds {row.Length}.", nameof(row));
        }
    }
}

/// <summary>Batch results: one array per column, NaN where not valid.</summary>
public sealed class IndicatorTable
{
    private readonly Dictionary<string, int> _index;

    public IndicatorTable(IReadOnlyList<string> columns, double[][] values)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        Columns = columns;
        Values = values;
        _index = columns.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Values[column][bar].</summary>
    public IReadOnlyList<double[]> Values { get; }

    public int Length => Values.Count == 0 ? 0 : Values[0].Length;

    public double[] this[string column] => Values[_index.TryGetValue(column, out var i) ? i : throw new KeyNotFoundException($"No column '{column}'.")];
}

/// <summary>Batch form of the streaming indicators: the same <c>Update</c>, run over arrays.</summary>
public static class IndicatorBatch
{
    /// <summary>Runs one fresh indicator over the bars; returns one array per output.</summary>
    public static double[][] Run(IStreamingIndicator indicator, ReadOnlySpan<PriceBar> bars)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        var outputs = indicator.OutputNames.Count;
        var result = new double[outputs][];
        for (var k = 0; k < outputs; k++)
        {
            result[k] = new double[bars.Length];
        }

        Span<double> row = stackalloc double[outputs];
        for (var i = 0; i < bars.Length; i++)
        {
            indicator.Update(bars[i], row);
            for (var k = 0; k < outputs; k++)
            {
                result[k][i] = row[k];
            }
        }

        return result;
    }

    /// <summary>Runs a set over the bars; the set is consumed (pass a fresh one).</summary>
    public static IndicatorTable Run(IndicatorSet set, ReadOnlySpan<PriceBar> bars)
    {
        ArgumentNullException.ThrowIfNull(set);
        var columns = set.ColumnCount;
        var values = new double[columns][];
        for (var k = 0; k < columns; k++)
        {
            values[k] = new double[bars.Length];
        }

        var row = new double[columns];
        for (var i = 0; i < bars.Length; i++)
        {
            set.Update(bars[i], row);
            for (var k = 0; k < columns; k++)
            {
                values[k][i] = row[k];
            }
        }

        return new IndicatorTable(set.Columns, values);
    }

    /// <summary>Convenience: close-only bars from a series of closes (open = high = low = close, volume 0).</summary>
    public static PriceBar[] FromCloses(ReadOnlySpan<double> closes, long startMs = 0, long stepMs = 60_000)
    {
        var bars = new PriceBar[closes.Length];
        for (var i = 0; i < closes.Length; i++)
        {
            var c = closes[i];
            bars[i] = new PriceBar(startMs + (i * stepMs), c, c, c, c, 0);
        }

        return bars;
    }
}
