namespace TradingDashboard.Core.Indicators;

/// <summary>
/// Population standard deviation of the close over period bars, times <c>deviations</c> (TA-Lib STDDEV). A variance below
/// TA-Lib's epsilon (TA_IS_ZERO_OR_NEG) gives 0. Look-back: period - 1. The variance is computed with a numerically
/// stable sliding update (see <see cref="RollingVariance"/>).
/// </summary>
public sealed class StdDev : StreamingIndicator
{
    private readonly RollingVariance _variance;
    private readonly double _deviations;

    public StdDev(int period, double deviations = 1.0)
        : base(NameOf(period, deviations), [NameOf(period, deviations)], [period - 1])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        _variance = new RollingVariance(period);
        _deviations = deviations;
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var variance = _variance.Step(bar.Close, commit);
        output[0] = double.IsNaN(variance) ? double.NaN : (TaMath.IsZeroOrNegative(variance) ? 0.0 : Math.Sqrt(variance) * _deviations);
    }

    protected override void ResetState() => _variance.Reset();

    private static string NameOf(int period, double deviations) =>
        deviations == 1.0 ? Names.Of("stddev", period) : Names.Of("stddev", period, deviations);
}

/// <summary>
/// Bollinger Bands (TA-Lib BBANDS with an SMA middle band): middle = SMA(period), upper/lower = middle ± k · population
/// standard deviation of the same closes. Look-back: period - 1.
/// </summary>
public sealed class BollingerBands : StreamingIndicator
{
    private readonly SmaCore _sma;
    private readonly RollingVariance _variance;
    private readonly double _k;

    public BollingerBands(int period, double k)
        : base(
            Names.Of("bb", period, k),
            [Names.Of("bb_upper", period, k), Names.Of("bb_middle", period, k), Names.Of("bb_lower", period, k)],
            [period - 1, period - 1, period - 1])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        if (!double.IsFinite(k) || k <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "The band width must be a positive number of standard deviations.");
        }

        _sma = new SmaCore(period);
        _variance = new RollingVariance(period);
        _k = k;
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var middle = _sma.Step(bar.Close, commit);
        var variance = _variance.Step(bar.Close, commit);
        if (double.IsNaN(middle))
        {
            output[0] = output[1] = output[2] = double.NaN;
            return;
        }

        var width = (TaMath.IsZeroOrNegative(variance) ? 0.0 : Math.Sqrt(variance)) * _k;
        output[0] = middle + width;
        output[1] = middle;
        output[2] = middle - width;
    }

    protected override void ResetState()
    {
        _sma.Reset();
        _variance.Reset();
    }
}

/// <summary>
/// Average true range (TA-Lib ATR): true range from the second bar on; the first ATR, at index period, is the plain mean
/// of the first period true ranges; then Wilder's smoothing atr = (atr · (period − 1) + tr) / period.
/// </summary>
public sealed class Atr : StreamingIndicator
{
    private readonly int _period;
    private double _prevClose;
    private double _sum;
    private double _atr;
    private long _count;

    public Atr(int period)
        : base(Names.Of("atr", period), [Names.Of("atr", period)], [period])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        double sum = _sum, atr = _atr;
        output[0] = double.NaN;
        if (_count > 0)
        {
            var tr = TrueRange(bar.High, bar.Low, _prevClose);
            if (_count < _period)
            {
                sum += tr;
            }
            else if (_count == _period)
            {
                atr = (sum + tr) / _period;
                output[0] = atr;
            }
            else
            {
                atr *= _period - 1;
                atr += tr;
                atr /= _period;
                output[0] = atr;
            }
        }

        if (commit)
        {
            _prevClose = bar.Close;
            _sum = sum;
            _atr = atr;
            _count++;
        }
    }

    protected override void ResetState()
    {
        _prevClose = _sum = _atr = 0;
        _count = 0;
    }

    /// <summary>TA-Lib's TRANGE: the largest of high − low, |high − previous close|, |low − previous close|.</summary>
    internal static double TrueRange(double high, double low, double prevClose)
    {
        var range = high - low;
        var up = Math.Abs(high - prevClose);
        if (up > range)
        {
            range = up;
        }

        var down = Math.Abs(low - prevClose);
        if (down > range)
        {
            range = down;
        }

        return range;
    }
}

/// <summary>
/// Wilder's directional movement, as TA-Lib's ADX, PLUS_DI and MINUS_DI compute it (they share these steps): +DM/−DM and TR
/// are summed over bars 1..period−1, then smoothed as x − x/period + today from bar period on; +DI = 100·(+DM/TR),
/// −DI = 100·(−DM/TR) (0 when TR is zero), valid from index period. DX = 100·|−DI − +DI| / (−DI + +DI); the first ADX, at
/// index 2·period − 1, is the mean of the DX of bars period..2·period−1, then adx = (adx·(period−1) + dx)/period.
/// Outputs: adx, plus_di, minus_di.
/// </summary>
public sealed class DirectionalMovement : StreamingIndicator
{
    private readonly int _period;
    private double _prevHigh;
    private double _prevLow;
    private double _prevClose;
    private double _plusDm;
    private double _minusDm;
    private double _tr;
    private double _sumDx;
    private double _adx;
    private long _count;

    public DirectionalMovement(int period)
        : base(
            Names.Of("adx", period),
            [Names.Of("adx", period), Names.Of("plus_di", period), Names.Of("minus_di", period)],
            [(2 * period) - 1, period, period])
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        _period = period;
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        double plusDm = _plusDm, minusDm = _minusDm, tr = _tr, sumDx = _sumDx, adx = _adx;
        var i = _count;
        output[0] = output[1] = output[2] = double.NaN;
        if (i > 0)
        {
            var diffP = bar.High - _prevHigh;
            var diffM = _prevLow - bar.Low;
            var range = Atr.TrueRange(bar.High, bar.Low, _prevClose);
            if (i < _period)
            {
                if (diffM > 0 && diffP < diffM)
                {
                    minusDm += diffM;
                }
                else if (diffP > 0 && diffP > diffM)
                {
                    plusDm += diffP;
                }

                tr += range;
            }
            else
            {
                minusDm -= minusDm / _period;
                plusDm -= plusDm / _period;
                if (diffM > 0 && diffP < diffM)
                {
                    minusDm += diffM;
                }
                else if (diffP > 0 && diffP > diffM)
                {
                    plusDm += diffP;
                }

                tr = tr - (tr / _period) + range;

                double plusDi = 0.0, minusDi = 0.0, dx = double.NaN;
                if (!TaMath.IsZero(tr))
                {
                    minusDi = 100.0 * (minusDm / tr);
                    plusDi = 100.0 * (plusDm / tr);
                    var sum = minusDi + plusDi;
                    if (!TaMath.IsZero(sum))
                    {
                        dx = 100.0 * (Math.Abs(minusDi - plusDi) / sum);
                    }
                }

                output[1] = plusDi;
                output[2] = minusDi;

                var firstAdx = (2 * _period) - 1;
                if (i < firstAdx)
                {
                    if (!double.IsNaN(dx))
                    {
                        sumDx += dx;
                    }
                }
                else if (i == firstAdx)
                {
                    if (!double.IsNaN(dx))
                    {
                        sumDx += dx;
                    }

                    adx = sumDx / _period;
                    output[0] = adx;
                }
                else
                {
                    if (!double.IsNaN(dx))
                    {
                        adx = ((adx * (_period - 1)) + dx) / _period;
                    }

                    output[0] = adx;
                }
            }
        }

        if (commit)
        {
            _prevHigh = bar.High;
            _prevLow = bar.Low;
            _prevClose = bar.Close;
            _plusDm = plusDm;
            _minusDm = minusDm;
            _tr = tr;
            _sumDx = sumDx;
            _adx = adx;
            _count++;
        }
    }

    protected override void ResetState()
    {
        _prevHigh = _prevLow = _prevClose = _plusDm = _minusDm = _tr = _sumDx = _adx = 0;
        _count = 0;
    }
}
