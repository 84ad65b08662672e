using System.Globalization;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Components.Charts;

public enum CandleChangeKind
{
    /// <summary>Older than the series, a stale forming version of a closed candle, or identical to what is shown.</summary>
    Ignored,

    /// <summary>A candle already in the series got a newer version (usually the forming one).</summary>
    Replaced,

    /// <summary>A new candle opened after the last one.</summary>
    Appended,
}

/// <param name="Index">Position of the candle in the series after the change; -1 when ignored.</param>
public readonly record struct CandleChange(CandleChangeKind Kind, int Index)
{
    public static CandleChange Ignored => new(CandleChangeKind.Ignored, -1);
}

/// <summary>
/// The candles a chart shows, oldest first, and the column lists Plotly's candlestick and volume traces are bound to
/// (the traces reference these lists, so a full React always sends the current data). The browser keeps its own
/// copy up to date through the same rules (see wwwroot-assets/js/candle-chart.js): replace a candle with the same
/// open time, append a newer one, drop the oldest beyond <see cref="Capacity"/>.
/// </summary>
public sealed class CandleSeries
{
    /// <summary>Plotly date strings: UTC, no zone suffix (plotly.js date axes ignore time zones).</summary>
    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    public const string RisingVolumeColor = "rgba(14,203,129,0.45)";
    public const string FallingVolumeColor = "rgba(246,70,93,0.45)";

    private readonly List<OHLCVBar> _bars = [];

    public CandleSeries(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _bars.Count;

    public OHLCVBar? Last => _bars.Count == 0 ? null : _bars[^1];

    public IReadOnlyList<OHLCVBar> Bars => _bars;

    public List<object> X { get; } = [];

    public List<object> Open { get; } = [];

    public List<object> High { get; } = [];

    public List<object> Low { get; } = [];

    public List<object> Close { get; } = [];

    public List<object> Volume { get; } = [];

    public List<object> VolumeColors { get; } = [];

    public static string FormatTime(long openTimeMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(openTimeMs).UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static string VolumeColor(OHLCVBar bar) => bar.Close >= bar.Open ? RisingVolumeColor : FallingVolumeColor;

    /// <summary>Replaces the content with <paramref name="bars"/> (any order; the latest version of a duplicate wins).</summary>
    public void Reset(IEnumerable<OHLCVBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        var byOpenTime = new SortedDictionary<long, OHLCVBar>();
        foreach (var bar in bars)
        {
            byOpenTime[bar.OpenTimeMs] = bar;
        }

        _bars.Clear();
        _bars.AddRange(byOpenTime.Values.Skip(Math.Max(0, byOpenTime.Count - Capacity)));
        foreach (var column in Columns())
        {
            column.Clear();
        }

        foreach (var bar in _bars)
        {
            X.Add(FormatTime(bar.OpenTimeMs));
            Open.Add(bar.Open);
            High.Add(bar.High);
            Low.Add(bar.Low);
            Close.Add(bar.Close);
            Volume.Add(bar.Volume);
            VolumeColors.Add(VolumeColor(bar));
        }
    }

    /// <summary>Applies one candle update (see <see cref="CandleChangeKind"/> for the rules).</summary>
    public CandleChange Apply(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        if (_bars.Count == 0 || bar.OpenTimeMs > _bars[^1].OpenTimeMs)
        {
            _bars.Add(bar);
            X.Add(FormatTime(bar.OpenTimeMs));
            Open.Add(bar.Open);
            High.Add(bar.High);
            Low.Add(bar.Low);
            Close.Add(bar.Close);
            Volume.Add(bar.Volume);
            VolumeColors.Add(VolumeColor(bar));
            if (_bars.Count > Capacity)
            {
                var excess = _bars.Count - Capacity;
                _bars.RemoveRange(0, excess);
                foreach (var column in Columns())
                {
                    column.RemoveRange(0, excess);
                }
            }

            return new CandleChange(CandleChangeKind.Appended, _bars.Count - 1);
        }

        var index = IndexOf(bar.OpenTimeMs);
        if (index < 0)
        {
            return CandleChange.Ignored;
        }

        var current = _bars[index];
        if ((current.IsClosed && !bar.IsClosed) || current == bar)
        {
            return CandleChange.Ignored;
        }

        _bars[index] = bar;
        Open[index] = bar.Open;
        High[index] = bar.High;
        Low[index] = bar.Low;
        Close[index] = bar.Close;
        Volume[index] = bar.Volume;
        VolumeColors[index] = VolumeColor(bar);
        return new CandleChange(CandleChangeKind.Replaced, index);
    }

    private int IndexOf(long openTimeMs)
    {
        int lo = 0, hi = _bars.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var t = _bars[mid].OpenTimeMs;
            if (t == openTimeMs)
            {
                return mid;
            }

            if (t < openTimeMs)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    private IEnumerable<List<object>> Columns() => [X, Open, High, Low, Close, Volume, VolumeColors];
}
