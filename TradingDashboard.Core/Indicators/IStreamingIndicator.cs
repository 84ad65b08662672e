namespace TradingDashboard.Core.Indicators;

/// <summary>
/// One technical indicator in streaming form: <see cref="Update"/> consumes one closed candle in O(1) (CCI: O(period),
/// see docs/indicators.md) and <see cref="Peek"/> gives what the outputs would be if a forming candle closed now, without
/// changing any state. The batch form (<see cref="IndicatorBatch"/>) runs the same <see cref="Update"/> over arrays.
/// </summary>
/// <remarks>
/// Outputs that are not yet valid (warm-up) are written as <see cref="double.NaN"/>; output <c>i</c> is valid from the
/// bar at index <c>Lookbacks[i]</c> on (TA-Lib's look-back), and callers should use <see cref="IndicatorValues.IsValid"/>
/// rather than compare with zero. A warm-up value is never 0.
/// </remarks>
public interface IStreamingIndicator
{
    /// <summary>The spec name, e.g. <c>macd_12_26_9</c>.</summary>
    string Name { get; }

    /// <summary>Column names of the outputs, e.g. <c>macd_12_26_9, macd_signal_12_26_9, macd_hist_12_26_9</c>.</summary>
    IReadOnlyList<string> OutputNames { get; }

    /// <summary>For each output, the number of bars consumed before its first valid value (TA-Lib look-back).</summary>
    IReadOnlyList<int> Lookbacks { get; }

    /// <summary>Closed candles consumed so far.</summary>
    long Count { get; }

    /// <summary>Consumes one closed candle and writes every output (NaN while not valid).</summary>
    void Update(in PriceBar bar, Span<double> output);

    /// <summary>Writes the outputs the indicator would give if <paramref name="bar"/> (a forming candle) closed now. Changes nothing.</summary>
    void Peek(in PriceBar bar, Span<double> output);

    /// <summary>Forgets every candle consumed.</summary>
    void Reset();
}

/// <summary>Base class: one <see cref="Compute"/> implements both <see cref="Update"/> (commit) and <see cref="Peek"/> (no commit), so the two cannot disagree.</summary>
public abstract class StreamingIndicator : IStreamingIndicator
{
    private readonly string[] _outputNames;
    private readonly int[] _lookbacks;

    protected StreamingIndicator(string name, string[] outputNames, int[] lookbacks)
    {
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(lookbacks);
        if (outputNames.Length != lookbacks.Length || outputNames.Length == 0)
        {
            throw new ArgumentException("One look-back per output is needed.", nameof(lookbacks));
        }

        Name = name;
        _outputNames = outputNames;
        _lookbacks = lookbacks;
    }

    public string Name { get; }

    public IReadOnlyList<string> OutputNames => _outputNames;

    public IReadOnlyList<int> Lookbacks => _lookbacks;

    public int OutputCount => _outputNames.Length;

    public long Count { get; private set; }

    public void Update(in PriceBar bar, Span<double> output)
    {
        CheckOutput(output);
        Compute(bar, output, commit: true);
        Count++;
    }

    public void Peek(in PriceBar bar, Span<double> output)
    {
        CheckOutput(output);
        Compute(bar, output, commit: false);
    }

    public void Reset()
    {
        Count = 0;
        ResetState();
    }

    /// <summary>
    /// Computes the outputs for <paramref name="bar"/> as the next bar (index <see cref="Count"/>) from the current state.
    /// Writes the new state back only when <paramref name="commit"/> is true.
    /// </summary>
    protected abstract void Compute(in PriceBar bar, Span<double> output, bool commit);

    protected abstract void ResetState();

    private void CheckOutput(Span<double> output)
    {
        if (output.Length < _outputNames.Length)
        {
            throw new ArgumentException($"{Name} writes {_outputNames.Length} outputs; the span holds {output.Length}.", nameof(output));
        }
    }
}

/// <summary>Helpers for reading indicator outputs.</summary>
public static class IndicatorValues
{
    /// <summary>True when the value is a valid (finite) output, false for warm-up (NaN).</summary>
    public static bool IsValid(double value) => double.IsFinite(value);

    /// <summary>The value, or null when not yet valid.</summary>
    public static double? AsNullable(double value) => double.IsFinite(value) ? value : null;
}
