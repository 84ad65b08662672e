namespace TradingDashboard.Core.Exchanges;

/// <summary>Exponential backoff with jitter, so that many clients dropped at once do not reconnect in lock step.</summary>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly double _jitter;
    private readonly Random _random;

    /// <param name="jitter">Fraction (0..1) by which each delay is randomly shortened or lengthened.</param>
    /// <param name="random">Source of jitter; pass a seeded instance for reproducible delays.</param>
    public ReconnectBackoff(TimeSpan initial, TimeSpan max, double jitter = 0.2, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1.0);
        _initial = initial;
        _max = max;
        _jitter = jitter;
        _random = random ?? new Random();
    }

    /// <summary>Delay before attempt number <paramref name="failures"/> + 1 (failures counted from 1).</summary>
    public TimeSpan Delay(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ticks = Math.Min(_initial.Ticks * Math.Pow(2, exponent), _max.Ticks);
        var factor = 1.0 + (_jitter * ((_random.NextDouble() * 2.0) - 1.0));
        return TimeSpan.FromTicks((long)Math.Min(ticks * factor, _max.Ticks));
    }
}
