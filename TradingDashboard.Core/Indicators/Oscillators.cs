namespace TradingDashboard.Core.Indicators;

/// <summary>
/// Relative strength index, Wilder's smoothing, TA-Lib seeding (ta_RSI.c, default compatibility): the first averages are
/// the plain means of the gains and losses of the first period price changes, so the first value is at index period; then
/// avg = (avg * (period - 1) + today) / period. When avg gain + avg loss is zero (TA_IS_ZERO), TA-Lib gives 0.
/// </summary>
public sealed class Rsi : StreamingIndicator
{
    private readonly int _period;
    private double _prevClose;
    private double _gain;
    private double _loss;
    private long _count;

    public Rsi(int period)
        : base(Names.Of("rsi", period), [Names.Of("rsi", period)], [period])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        _period = period;
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var x = bar.Close;
        double gain = _gain, loss = _loss;
        var value = double.NaN;
        if (_count > 0)
        {
            var change = x - _prevClose;
            if (_count <= _period)
            {
                // Accumulating the first period changes.
                if (change < 0)
                {
                    loss -= change;
                }
                else
                {
                    gain += change;
                }

                if (_count == _period)
                {
                    loss /= _period;
                    gain /= _period;
                    value = Ratio(gain, loss);
                }
            }
            else
            {
                loss *= _period - 1;
                gain *= _period - 1;
                if (change < 0)
                {
                    loss -= change;
                }
                else
                {
                    gain += change;
                }

                loss /= _period;
                gain /= _period;
                value = Ratio(gain, loss);
            }
        }

        output[0] = value;
        if (commit)
        {
            _prevClose = x;
            _gain = gain;
            _loss = loss;
            _count++;
        }
    }

    protected override void ResetState()
    {
        _prevClose = 0;
        _gain = 0;
        _loss = 0;
        _count = 0;
    }

    private static double Ratio(double gain, double loss)
    {
        var total = gain + loss;
        return TaMath.IsZero(total) ? 0.0 : 100.0 * (gain / total);
    }
}

/// <summary>
/// MACD (TA-Lib ta_MACD.c, default compatibility). Both EMAs start at index slow-1: the slow one seeded with the SMA of the
/// first slow closes, the fast one with the SMA of the fast closes ending there (TA-Lib aligns the fast EMA to the slow
/// look-back). The signal EMA is seeded with the SMA of the first signal MACD values. All three outputs start at index
/// (slow - 1) + (signal - 1), as in TA-Lib.
/// </summary>
public sealed class Macd : StreamingIndicator
{
    private readonly int _fast;
    private readonly int _slow;
    private readonly int _signal;
    private readonly double _fastK;
    private readonly double _slowK;
    private readonly double _signalK;
    private double _fastSum;
    private double _slowSum;
    private double _fastEma;
    private double _slowEma;
    private double _signalSum;
    private double _signalEma;
    private long _count;

    public Macd(int fast, int slow, int signal)
        : base(
            Names.Of("macd", fast, slow, signal),
            [Names.Of("macd", fast, slow, signal), Names.Of("macd_signal", fast, slow, signal), Names.Of("macd_hist", fast, slow, signal)],
            Enumerable.Repeat(Math.Max(fast, slow) - 1 + signal - 1, 3).ToArray())
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fast, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(slow, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(signal, 1);
        if (slow < fast)
        {
            // TA-Lib swaps them.
            (fast, slow) = (slow, fast);
        }

        _fast = fast;
        _slow = slow;
        _signal = signal;
        _fastK = 2.0 / (fast + 1);
        _slowK = 2.0 / (slow + 1);
        _signalK = 2.0 / (signal + 1);
    }

    public int Lookback => _slow - 1 + _signal - 1;

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var x = bar.Close;
        var i = _count;
        double fastSum = _fastSum, slowSum = _slowSum, fastEma = _fastEma, slowEma = _slowEma;
        double signalSum = _signalSum, signalEma = _signalEma;
        output[0] = output[1] = output[2] = double.NaN;

        if (i < _slow)
        {
            slowSum += x;
            if (i >= _slow - _fast)
            {
                fastSum += x;
            }

            if (i == _slow - 1)
            {
                slowEma = slowSum / _slow;
                fastEma = fastSum / _fast;
            }
        }
        else
        {
            fastEma = ((x - fastEma) * _fastK) + fastEma;
            slowEma = ((x - slowEma) * _slowK) + slowEma;
        }

        if (i >= _slow - 1)
        {
            var macd = fastEma - slowEma;
            var signalStart = _slow - 1;
            if (i < signalStart + _signal - 1)
            {
                signalSum += macd;
            }
            else if (i == signalStart + _signal - 1)
            {
                signalEma = (signalSum + macd) / _signal;
                Write(output, macd, signalEma);
            }
            else
            {
                signalEma = ((macd - signalEma) * _signalK) + signalEma;
                Write(output, macd, signalEma);
            }
        }

        if (commit)
        {
            _fastSum = fastSum;
            _slowSum = slowSum;
            _fastEma = fastEma;
            _slowEma = slowEma;
            _signalSum = signalSum;
            _signalEma = signalEma;
            _count++;
        }
    }

    protected override void ResetState()
    {
        _fastSum = _slowSum = _fastEma = _slowEma = _signalSum = _signalEma = 0;
        _count = 0;
    }

    private static void Write(Span<double> output, double macd, double signal)
    {
        output[0] = macd;
        output[1] = signal;
        output[2] = macd - signal;
    }
}

/// <summary>
/// Stochastic (TA-Lib STOCH with SMA smoothing): fast %K = 100 (close - lowest low) / (highest high - lowest low) over
/// fastK bars (0 when the range is 0, as TA-Lib), slow %K = SMA(slowK) of fast %K, slow %D = SMA(slowD) of slow %K.
/// Both outputs start at index (fastK - 1) + (slowK - 1) + (slowD - 1), as in TA-Lib.
/// </summary>
public sealed class Stochastic : StreamingIndicator
{
    private readonly int _fastK;
    private readonly int _slowK;
    private readonly int _slowD;
    private readonly RollingExtreme _highest;
    private readonly RollingExtreme _lowest;
    private readonly SmaCore _kSma;
    private readonly SmaCore _dSma;
    private long _count;

    public Stochastic(int fastK, int slowK, int slowD)
        : base(
            Names.Of("stoch", fastK, slowK, slowD),
            [Names.Of("stoch_k", fastK, slowK, slowD), Names.Of("stoch_d", fastK, slowK, slowD)],
            Enumerable.Repeat(fastK - 1 + slowK - 1 + slowD - 1, 2).ToArray())
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fastK, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slowK, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slowD, 1);
        _fastK = fastK;
        _slowK = slowK;
        _slowD = slowD;
        _highest = new RollingExtreme(fastK, max: true);
        _lowest = new RollingExtreme(fastK, max: false);
        _kSma = new SmaCore(slowK);
        _dSma = new SmaCore(slowD);
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var highest = _highest.Step(bar.High, commit);
        var lowest = _lowest.Step(bar.Low, commit);
        output[0] = output[1] = double.NaN;
        if (_count >= _fastK - 1)
        {
            var diff = (highest - lowest) / 100.0;
            var fastK = diff != 0.0 ? (bar.Close - lowest) / diff : 0.0;
            var slowK = _kSma.Step(fastK, commit);
            if (_count >= _fastK - 1 + _slowK - 1)
            {
                var slowD = _dSma.Step(slowK, commit);
                if (_count >= _fastK - 1 + _slowK - 1 + _slowD - 1)
                {
                    output[0] = slowK;
                    output[1] = slowD;
                }
            }
        }

        if (commit)
        {
            _count++;
        }
    }

    protected override void ResetState()
    {
        _highest.Reset();
        _lowest.Reset();
        _kSma.Reset();
        _dSma.Reset();
        _count = 0;
    }
}

/// <summary>Williams %R (TA-Lib WILLR): -100 (highest high - close) / (highest high - lowest low) over period bars; 0 when the range is 0. Look-back: period - 1.</summary>
public sealed class WilliamsR : StreamingIndicator
{
    private readonly int _period;
    private readonly RollingExtreme _highest;
    private readonly RollingExtreme _lowest;
    private long _count;

    public WilliamsR(int period)
        : base(Names.Of("willr", period), [Names.Of("willr", period)], [period - 1])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        _period = period;
        _highest = new RollingExtreme(period, max: true);
        _lowest = new RollingExtreme(period, max: false);
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var highest = _highest.Step(bar.High, commit);
        var lowest = _lowest.Step(bar.Low, commit);
        output[0] = double.NaN;
        if (_count >= _period - 1)
        {
            var diff = (highest - lowest) / -100.0;
            output[0] = diff != 0.0 ? (highest - bar.Close) / diff : 0.0;
        }

        if (commit)
        {
            _count++;
        }
    }

    protected override void ResetState()
    {
        _highest.Reset();
        _lowest.Reset();
        _count = 0;
    }
}

/// <summary>
/// Commodity channel index (TA-Lib CCI): (tp - SMA(tp)) / (0.015 * mean absolute deviation of tp around that SMA), tp =
/// (high + low + close) / 3; 0 when either part is 0. The mean deviation needs every value of the window against the new
/// mean, so one step is O(period), as in TA-Lib. Look-back: period - 1.
/// </summary>
public sealed class Cci : StreamingIndicator
{
    private readonly int _period;
    private readonly Ring _previous;
    private long _count;

    public Cci(int period)
        : base(Names.Of("cci", period), [Names.Of("cci", period)], [period - 1])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        _period = period;
        _previous = new Ring(period - 1);
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var tp = bar.TypicalPrice;
        output[0] = double.NaN;
        if (_count >= _period - 1)
        {
            var sum = tp;
            for (var i = 0; i < _previous.Count; i++)
            {
                sum += _previous[i];
            }

            var average = sum / _period;
            var deviation = Math.Abs(tp - average);
            for (var i = 0; i < _previous.Count; i++)
            {
                deviation += Math.Abs(_previous[i] - average);
            }

            var distance = tp - average;
            output[0] = distance != 0.0 && deviation != 0.0 ? distance / (0.015 * (deviation / _period)) : 0.0;
        }

        if (commit)
        {
            _previous.Push(tp);
            _count++;
        }
    }

    protected override void ResetState()
    {
        _previous.Clear();
        _count = 0;
    }
}

/// <summary>
/// Money flow index (TA-Lib MFI, 0.4/0.6 releases): money flow = tp * volume, positive when tp rose from the previous bar,
/// negative when it fell, neither when unchanged; MFI = 100 * positive / (positive + negative) over the last period
/// flows, and 0 when that total is below 1.0 (TA-Lib's guard). Look-back: period.
/// </summary>
public sealed class Mfi : StreamingIndicator
{
    private readonly int _period;
    private readonly Ring _positive;
    private readonly Ring _negative;
    private double _prevTypical;
    private double _positiveSum;
    private double _negativeSum;
    private int _positiveCount;
    private int _negativeCount;
    private long _count;

    public Mfi(int period)
        : base(Names.Of("mfi", period), [Names.Of("mfi", period)], [period])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        _period = period;
        _positive = new Ring(period);
        _negative = new Ring(period);
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var tp = bar.TypicalPrice;
        output[0] = double.NaN;
        double positiveSum = _positiveSum, negativeSum = _negativeSum;
        int positiveCount = _positiveCount, negativeCount = _negativeCount;
        double positive = 0, negative = 0;
        if (_count > 0)
        {
            var flow = tp * bar.Volume;
            var change = tp - _prevTypical;
            if (change < 0)
            {
                negative = flow;
            }
            else if (change > 0)
            {
                positive = flow;
            }

            if (_positive.IsFull)
            {
                positiveSum -= _positive.Oldest;
                negativeSum -= _negative.Oldest;
                positiveCount -= _positive.Oldest != 0 ? 1 : 0;
                negativeCount -= _negative.Oldest != 0 ? 1 : 0;
            }

            positiveSum += positive;
            negativeSum += negative;
            positiveCount += positive != 0 ? 1 : 0;
            negativeCount += negative != 0 ? 1 : 0;

            // A side with no flow left in the window is exactly zero (no add/subtract residue).
            if (positiveCount == 0)
            {
                positiveSum = 0;
            }

            if (negativeCount == 0)
            {
                negativeSum = 0;
            }

            if (_count >= _period)
            {
                var total = positiveSum + negativeSum;
                output[0] = total < 1.0 ? 0.0 : 100.0 * (positiveSum / total);
            }
        }

        if (commit)
        {
            if (_count > 0)
            {
                _positive.Push(positive);
                _negative.Push(negative);
            }

            _prevTypical = tp;
            _positiveSum = positiveSum;
            _negativeSum = negativeSum;
            _positiveCount = positiveCount;
            _negativeCount = negativeCount;
            _count++;
        }
    }

    protected override void ResetState()
    {
        _positive.Clear();
        _negative.Clear();
        _prevTypical = _positiveSum = _negativeSum = 0;
        _positiveCount = _negativeCount = 0;
        _count = 0;
    }
}

/// <summary>Rate of change (TA-Lib ROC): 100 * (close / close[period bars ago] - 1); 0 when the old close is 0. Look-back: period.</summary>
public sealed class Roc : StreamingIndicator
{
    private readonly int _period;
    private readonly Ring _previous;

    public Roc(int period)
        : base(Names.Of("roc", period), [Names.Of("roc", period)], [period])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
        _previous = new Ring(period);
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        output[0] = double.NaN;
        if (_previous.IsFull)
        {
            var old = _previous.Oldest;
            output[0] = old != 0.0 ? ((bar.Close / old) - 1.0) * 100.0 : 0.0;
        }

        if (commit)
        {
            _previous.Push(bar.Close);
        }
    }

    protected override void ResetState() => _previous.Clear();
}
