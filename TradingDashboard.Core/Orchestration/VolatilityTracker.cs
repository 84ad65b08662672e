namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The volatility regime per symbol for the gate: the standard deviation of the last S and the last L one-bar log
/// returns (S &lt; L). High when short &gt; 1.5 x long, Low when short &lt; long / 1.5, else Normal; Unknown until L
/// returns are seen. One decision thread writes.
/// </summary>
public sealed class VolatilityTracker
{
    public const double RegimeRatio = 1.5;

    private readonly int _short;
    private readonly int _long;
    private readonly Dictionary<string, SymbolReturns> _symbols = new(StringComparer.Ordinal);

    public VolatilityTracker(int shortBars, int longBars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shortBars, 2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(longBars, shortBars);
        _short = shortBars;
        _long = longBars;
    }

    /// <summary>Adds the bar's close and returns the regime after it.</summary>
    public VolatilityRegime OnClose(string symbol, double close)
    {
        if (!_symbols.TryGetValue(symbol, out var state))
        {
            state = new SymbolReturns();
            _symbols[symbol] = state;
        }

        if (double.IsFinite(close) && close > 0)
        {
            if (state.LastClose is { } last)
            {
                state.Returns.Enqueue(Math.Log(close / last));
                if (state.Returns.Count > _long)
                {
                    state.Returns.Dequeue();
                }
            }

            state.LastClose = close;
        }

        if (state.Returns.Count < _long)
        {
            return VolatilityRegime.Unknown;
        }

        var all = state.Returns.ToArray();
        var longVol = StandardDeviation(all);
        var shortVol = StandardDeviation(all.AsSpan(all.Length - _short));
        var kind = shortVol > longVol * RegimeRatio ? VolatilityRegimeKind.High
            : shortVol * RegimeRatio < longVol ? VolatilityRegimeKind.Low
            : VolatilityRegimeKind.Normal;
        return new VolatilityRegime(kind, shortVol, longVol);
    }

    private static double StandardDeviation(ReadOnlySpan<double> values)
    {
        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return Math.Sqrt(sum / (values.Length - 1));
    }

    private sealed class SymbolReturns
    {
        public Queue<double> Returns { get; } = new();

        public double? LastClose { get; set; }
    }
}
