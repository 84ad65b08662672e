namespace TradingDashboard.Core.Indicators;

/// <summary>On-balance volume (TA-Lib OBV): starts at the first bar's volume, then adds the volume when the close rose, subtracts it when it fell. Look-back: 0.</summary>
public sealed class Obv : StreamingIndicator
{
    private double _obv;
    private double _prevClose;

    public Obv()
        : base("obv", ["obv"], [0])
    {
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var obv = _obv;
        if (Count == 0)
        {
            obv = bar.Volume;
        }
        else if (bar.Close > _prevClose)
        {
            obv += bar.Volume;
        }
        else if (bar.Close < _prevClose)
        {
            obv -= bar.Volume;
        }

        output[0] = obv;
        if (commit)
        {
            _obv = obv;
            _prevClose = bar.Close;
        }
    }

    protected override void ResetState()
    {
        _obv = 0;
        _prevClose = 0;
    }
}

/// <summary>
/// Session VWAP (not a TA-Lib function): the volume-weighted average of the typical price (high + low + close) / 3 of the
/// bars since 00:00 UTC of the bar's day, the bar included. Not valid (NaN) while the session's volume is zero.
/// Look-back: 0.
/// </summary>
public sealed class SessionVwap : StreamingIndicator
{
    private const long DayMs = 86_400_000L;
    private long _sessionDay = long.MinValue;
    private double _priceVolume;
    private double _volume;

    public SessionVwap()
        : base("vwap", ["vwap"], [0])
    {
    }

    protected override void Compute(in PriceBar bar, Span<double> output, bool commit)
    {
        var day = Math.DivRem(bar.OpenTimeMs, DayMs, out var rem) - (rem < 0 ? 1 : 0);
        double priceVolume = _priceVolume, volume = _volume;
        if (day != _sessionDay)
        {
            priceVolume = 0;
            volume = 0;
        }

        priceVolume += bar.TypicalPrice * bar.Volume;
        volume += bar.Volume;
        output[0] = volume > 0 ? priceVolume / volume : double.NaN;
        if (commit)
        {
            _sessionDay = day;
            _priceVolume = priceVolume;
            _volume = volume;
        }
    }

    protected override void ResetState()
    {
        _sessionDay = long.MinValue;
        _priceVolume = 0;
        _volume = 0;
    }
}
