using System.Globalization;

namespace TradingDashboard.Core.Indicators;

/// <summary>Simple moving average of the close (TA-Lib SMA). Look-back: period - 1.</summary>
public sealed class Sma : StreamingIndicator
{
    private readonly SmaCore _core;

    public Sma(int period)
        : base(Names.Of("sma", period), [Names.Of("sma", period)], [period - 1])
    {
        Period = period;
        _core = new SmaCore(period);
    }

    public int Period { get; }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit) => output[0] = _core.Step(bar.Close, commit);

    protected override void ResetState() => _core.Reset();
}

/// <summary>Exponential moving average of the close (TA-Lib EMA: seeded with the SMA of the first period closes, k = 2/(period+1)). Look-back: period - 1.</summary>
public sealed class Ema : StreamingIndicator
{
    private readonly EmaCore _core;

    public Ema(int period)
        : base(Names.Of("ema", period), [Names.Of("ema", period)], [period - 1])
    {
        Period = period;
        _core = new EmaCore(period);
    }

    public int Period { get; }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit) => output[0] = _core.Step(bar.Close, commit);

    protected override void ResetState() => _core.Reset();
}

/// <summary>
/// Weighted moving average of the close, weights 1..period (newest heaviest), with TA-Lib's O(1) running sums (ta_WMA.c).
/// Look-back: period - 1.
/// </summary>
public sealed class Wma : StreamingIndicator
{
    private readonly int _period;
    private readonly double _divider;
    private readonly Ring _window;
    private double _periodSum;
    private double _periodSub;
    private double _trailing;
    private long _count;

    public Wma(int period)
        : base(Names.Of("wma", period), [Names.Of("wma", period)], [period - 1])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
        _divider = period * (period + 1) / 2.0;
        _window = new Ring(period);
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var x = bar.Close;
        double periodSum, periodSub, trailing = _trailing;
        if (_count < _period - 1)
        {
            // Warm-up: weight i for the i-th value.
            periodSub = _periodSub + x;
            periodSum = _periodSum + (x * (_count + 1));
            output[0] = double.NaN;
        }
        else
        {
            periodSub = _periodSub + x;
            periodSub -= _trailing;
            periodSum = _periodSum + (x * _period);
            output[0] = periodSum / _divider;
            periodSum -= periodSub;
        }

        if (commit)
        {
            _window.Push(x);
            if (_count >= _period - 1)
            {
                // The value that leaves the window at the next bar.
                trailing = _window.Oldest;
            }

            _periodSum = periodSum;
            _periodSub = periodSub;
            _trailing = trailing;
            _count++;
        }
    }

    protected override void ResetState()
    {
        _window.Clear();
        _periodSum = 0;
        _periodSub = 0;
        _trailing = 0;
        _count = 0;
    }
}

/// <summary>Builds indicator and column names such as <c>macd_12_26_9</c>.</summary>
internal static class Names
{
    public static string Of(string prefix, params double[] parameters) =>
        parameters.Length == 0 ? prefix : prefix + "_" + string.Join("_", parameters.Select(Format));

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
