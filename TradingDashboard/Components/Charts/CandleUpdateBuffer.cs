using TradingDashboard.Core.Domain;

namespace TradingDashboard.Components.Charts;

/// <summary>What <see cref="CandleUpdateBuffer.Drain"/> hands to the UI thread.</summary>
/// <param name="Bars">The latest version of each updated candle, oldest first.</param>
/// <param name="Overflowed">More candles changed than the buffer holds: the chart should reload from the cache.</param>
public sealed record CandleBatch(IReadOnlyList<OHLCVBar> Bars, bool Overflowed)
{
    public static CandleBatch Empty { get; } = new([], false);
}

/// <summary>
/// Collects candle updates from <see cref="Core.MarketData.ICandleCache"/> handlers (thread pool) for the one
/// symbol and timeframe the chart shows, keeping only the latest version of each candle (keyed by open time), so a
/// UI tick applies each changed candle once however many trades moved it. A closed version is final: a forming
/// version of the same candle that arrives after it is ignored.
/// </summary>
public sealed class CandleUpdateBuffer(int capacity = CandleUpdateBuffer.DefaultCapacity)
{
    /// <summary>Far more distinct candles than a 100 ms tick can see (1s candles give one or two); reaching it means the UI stalled.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly int _capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));
    private Dictionary<long, OHLCVBar> _pending = [];
    private string? _symbol;
    private Timeframe _timeframe;
    private bool _overflowed;

    /// <summary>Chooses which candles are kept and drops whatever was pending for the previous choice.</summary>
    public void Select(string symbol, Timeframe timeframe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        lock (_gate)
        {
            _symbol = symbol;
            _timeframe = timeframe;
            _pending = [];
            _overflowed = false;
        }
    }

    /// <summary>Records <paramref name="bar"/> if it belongs to the selection; true when it was recorded. Safe from any thread.</summary>
    public bool Offer(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        lock (_gate)
        {
            if (_symbol is null || bar.Timeframe != _timeframe || !string.Equals(bar.Symbol, _symbol, StringComparison.Ordinal))
            {
                return false;
            }

            if (_pending.TryGetValue(bar.OpenTimeMs, out var existing))
            {
                if (existing.IsClosed && !bar.IsClosed)
                {
                    return false;
                }

                _pending[bar.OpenTimeMs] = bar;
                return true;
            }

            if (_pending.Count >= _capacity)
            {
                _overflowed = true;
                _pending.Clear();
            }

            _pending[bar.OpenTimeMs] = bar;
            return true;
        }
    }

    /// <summary>Takes everything pending, oldest candle first.</summary>
    public CandleBatch Drain()
    {
        Dictionary<long, OHLCVBar> pending;
        bool overflowed;
        lock (_gate)
        {
            if (_pending.Count == 0 && !_overflowed)
            {
                return CandleBatch.Empty;
            }

            pending = _pending;
            overflowed = _overflowed;
            _pending = [];
            _overflowed = false;
        }

        var bars = pending.Values.ToList();
        bars.Sort(static (a, b) => a.OpenTimeMs.CompareTo(b.OpenTimeMs));
        return new CandleBatch(bars, overflowed);
    }
}
