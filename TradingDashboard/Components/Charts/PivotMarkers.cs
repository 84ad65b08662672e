using System.Globalization;
using Plotly.Blazor.Traces.ScatterLib.MarkerLib;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Components.Charts;

/// <summary>The markers of one pivot level: a triangle per pivot at its bar and price, highs pointing down, lows pointing up.</summary>
public sealed class PivotLevelMarkers(int level)
{
    public int Level { get; } = level;

    public List<object> X { get; } = [];

    /// <summary>The pivot's price (the bar's high or low); the marker stands off from it by a few pixels.</summary>
    public List<object> Y { get; } = [];

    public List<SymbolEnum?> Symbols { get; } = [];

    /// <summary>Plotly symbol names, as the browser module sets them.</summary>
    public List<string> SymbolNames { get; } = [];

    /// <summary>Hover text: level, type, price, bar time, confirmation time.</summary>
    public List<string> Text { get; } = [];

    public int Count => X.Count;

    public int Highs { get; private set; }

    public int Lows { get; private set; }

    internal void Clear()
    {
        X.Clear();
        Y.Clear();
        Symbols.Clear();
        SymbolNames.Clear();
        Text.Clear();
        Highs = 0;
        Lows = 0;
    }

    internal void Add(PivotPoint pivot)
    {
        var high = pivot.Type == PivotType.High;
        X.Add(CandleSeries.FormatTime(pivot.OpenTimeMs));
        Y.Add(pivot.Price);
        Symbols.Add(high ? SymbolEnum.TriangleDown : SymbolEnum.TriangleUp);
        SymbolNames.Add(high ? "triangle-down" : "triangle-up");
        Text.Add(PivotMarkers.HoverText(pivot));
        if (high)
        {
            Highs++;
        }
        else
        {
            Lows++;
        }
    }
}

/// <summary>
/// Williams pivots of the shown series as chart markers, one trace per level (1..5) so that levels switch on and off
/// as traces. Markers grow with the level; a level-3 pivot is also a level-1 and level-2 pivot of the same bar
/// (docs/pivots.md), so its markers nest, the larger ones behind. Only pivots inside the shown window are kept.
/// </summary>
public sealed class PivotMarkers
{
    public const int Levels = PivotSettings.Levels;

    /// <summary>Marker colour per level (1..5), chosen apart from the candle and indicator colours.</summary>
    public static readonly IReadOnlyList<string> LevelColors = ["#cbd5e1", "#22d3ee", "#a78bfa", "#fb923c", "#f472b6"];

    private readonly PivotLevelMarkers[] _levels = Enumerable.Range(1, Levels).Select(l => new PivotLevelMarkers(l)).ToArray();
    private PivotPoint? _last;
    private int _sourceCount;

    /// <summary>Marker size in pixels of a level (1..5): 7, 9, 11, 13, 15.</summary>
    public static decimal SizeOf(int level) => 5 + (2 * Math.Clamp(level, 1, Levels));

    public static string ColorOf(int level) => LevelColors[Math.Clamp(level, 1, Levels) - 1];

    public static string HoverText(PivotPoint pivot)
    {
        ArgumentNullException.ThrowIfNull(pivot);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"L{pivot.Level} pivot {pivot.TypeCode} {Ui.DisplayFormat.Price(pivot.Price)}<br>bar {Ui.DisplayFormat.DateTime(pivot.OpenTime)}<br>confirmed {Ui.DisplayFormat.DateTime(pivot.ConfirmedAt)}");
    }

    /// <summary>The markers of <paramref name="level"/> (1..5).</summary>
    public PivotLevelMarkers Level(int level) => _levels[level - 1];

    public IReadOnlyList<PivotLevelMarkers> All => _levels;

    public int Count => _levels.Sum(l => l.Count);

    /// <summary>Rebuilds the markers from <paramref name="pivots"/> (any order), keeping those whose bar opened at or after <paramref name="fromOpenTimeMs"/>.</summary>
    public void Reset(IReadOnlyList<PivotPoint> pivots, long fromOpenTimeMs = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(pivots);
        foreach (var level in _levels)
        {
            level.Clear();
        }

        foreach (var pivot in pivots.Where(p => p.OpenTimeMs >= fromOpenTimeMs && p.Level is >= 1 and <= Levels).OrderBy(p => p.OpenTimeMs))
        {
            _levels[pivot.Level - 1].Add(pivot);
        }

        _last = pivots.Count == 0 ? null : pivots[^1];
        _sourceCount = pivots.Count;
    }

    /// <summary>Whether <paramref name="pivots"/> (the processor's recent pivots, oldest confirmed first) differ from those the markers were built from.</summary>
    public bool IsOutdated(IReadOnlyList<PivotPoint> pivots)
    {
        ArgumentNullException.ThrowIfNull(pivots);
        return pivots.Count != _sourceCount || (pivots.Count > 0 && pivots[^1] != _last);
    }
}
