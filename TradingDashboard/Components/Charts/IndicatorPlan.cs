namespace TradingDashboard.Components.Charts;

public enum PriceOverlayKind
{
    /// <summary>One line on the price axis (a moving average, VWAP).</summary>
    Line,

    /// <summary>Bollinger Bands: upper, middle, lower; the area between upper and lower is shaded.</summary>
    Band,
}

public enum IndicatorPanelKind
{
    /// <summary>RSI on a fixed 0..100 axis with 30 / 70 guides.</summary>
    Rsi,

    /// <summary>MACD line, signal line and histogram.</summary>
    Macd,
}

/// <summary>An indicator drawn over the candles.</summary>
/// <param name="Key">Toggle key: the column name for a line, the indicator name (<c>bb_20_2</c>) for a band.</param>
/// <param name="Columns">One column for a line; upper, middle, lower for a band.</param>
public sealed record PriceOverlay(string Key, string Label, PriceOverlayKind Kind, IReadOnlyList<string> Columns, string Color, bool ShownByDefault);

/// <summary>An indicator drawn in its own panel below price and volume (same x axis).</summary>
/// <param name="Columns">The RSI column; or MACD line, signal, histogram.</param>
public sealed record IndicatorPanel(string Key, string Label, IndicatorPanelKind Kind, IReadOnlyList<string> Columns, bool ShownByDefault = true);

/// <summary>
/// Which of the data processor's indicator columns the chart can draw, and how. Columns are named as in the
/// settings (docs/indicators.md): <c>sma_20</c>, <c>bb_upper_20_2</c>, <c>macd_signal_12_26_9</c>, ...; the plan follows
/// whatever the processor computes for the shown timeframe. Columns it cannot draw on price or in a panel (ATR, OBV, ...)
/// are left out.
/// </summary>
public sealed record IndicatorPlan(IReadOnlyList<PriceOverlay> Overlays, IReadOnlyList<IndicatorPanel> Panels)
{
    public static IndicatorPlan Empty { get; } = new([], []);

    // One colour per moving-average kind; further averages of the same kind take the next colour of its row.
    private static readonly Dictionary<string, string[]> LineColors = new(StringComparer.Ordinal)
    {
        ["sma"] = ["#f0b90b", "#d97706", "#fde68a"],
        ["ema"] = ["#60a5fa", "#2563eb", "#bfdbfe"],
        ["wma"] = ["#e879f9", "#c026d3", "#f5d0fe"],
        ["vwap"] = ["#2dd4bf"],
    };

    private static readonly string[] BandColors = ["#94a3b8", "#64748b"];

    public bool IsEmpty => Overlays.Count == 0 && Panels.Count == 0;

    /// <summary>All toggle keys, overlays first.</summary>
    public IEnumerable<string> Keys => Overlays.Select(o => o.Key).Concat(Panels.Select(p => p.Key));

    public static IndicatorPlan From(IEnumerable<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var all = columns.ToList();
        var present = new HashSet<string>(all, StringComparer.Ordinal);
        var overlays = new List<PriceOverlay>();
        var panels = new List<IndicatorPanel>();
        var used = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var column in all)
        {
            var kind = column.Split('_')[0];
            if (kind is "sma" or "ema" or "wma" && column.Length > 4)
            {
                overlays.Add(new PriceOverlay(column, Label(column), PriceOverlayKind.Line, [column], NextColor(LineColors[kind], kind, used), ShownByDefault: kind != "wma"));
            }
            else if (column == "vwap")
            {
                overlays.Add(new PriceOverlay(column, "VWAP", PriceOverlayKind.Line, [column], LineColors["vwap"][0], ShownByDefault: false));
            }
            else if (column.StartsWith("bb_upper_", StringComparison.Ordinal))
            {
                var parameters = column["bb_upper_".Length..];
                string[] band = [column, "bb_middle_" + parameters, "bb_lower_" + parameters];
                if (present.Contains(band[1]) && present.Contains(band[2]))
                {
                    var key = "bb_" + parameters;
                    overlays.Add(new PriceOverlay(key, Label(key), PriceOverlayKind.Band, band, NextColor(BandColors, "bb", used), ShownByDefault: true));
                }
            }
            else if (column.StartsWith("rsi_", StringComparison.Ordinal))
            {
                panels.Add(new IndicatorPanel(column, Label(column), IndicatorPanelKind.Rsi, [column]));
            }
            else if (column.StartsWith("macd_", StringComparison.Ordinal)
                && !column.StartsWith("macd_signal_", StringComparison.Ordinal)
                && !column.StartsWith("macd_hist_", StringComparison.Ordinal))
            {
                var parameters = column["macd_".Length..];
                string[] macd = [column, "macd_signal_" + parameters, "macd_hist_" + parameters];
                if (present.Contains(macd[1]) && present.Contains(macd[2]))
                {
                    panels.Add(new IndicatorPanel(column, Label(column), IndicatorPanelKind.Macd, macd));
                }
            }
        }

        return new IndicatorPlan(overlays, panels);
    }

    /// <summary><c>sma_20</c> -> "SMA 20", <c>bb_20_2</c> -> "BB 20·2", <c>macd_12_26_9</c> -> "MACD 12·26·9".</summary>
    public static string Label(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('_');
        return parts.Length == 1 ? parts[0].ToUpperInvariant() : parts[0].ToUpperInvariant() + " " + string.Join("·", parts.Skip(1));
    }

    private static string NextColor(string[] palette, string kind, Dictionary<string, int> used)
    {
        used.TryGetValue(kind, out var n);
        used[kind] = n + 1;
        return palette[n % palette.Length];
    }
}

/// <summary>
/// What the user switched on or off on the chart: indicator overlays and panels by key, pivot levels 1..5. Keys never
/// chosen follow the plan's defaults, so a choice survives a change of symbol or timeframe.
/// </summary>
public sealed record ChartToggles
{
    private IReadOnlyDictionary<string, bool> Choices { get; init; } = new Dictionary<string, bool>(StringComparer.Ordinal);

    private IReadOnlySet<int> HiddenLevels { get; init; } = new HashSet<int>();

    public static ChartToggles Default { get; } = new();

    public bool IsShown(PriceOverlay overlay)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        return Choices.TryGetValue(overlay.Key, out var shown) ? shown : overlay.ShownByDefault;
    }

    public bool IsShown(IndicatorPanel panel)
    {
        ArgumentNullException.ThrowIfNull(panel);
        return Choices.TryGetValue(panel.Key, out var shown) ? shown : panel.ShownByDefault;
    }

    public bool IsLevelShown(int level) => !HiddenLevels.Contains(level);

    public ChartToggles With(string key, bool shown)
    {
        ArgumentNullException.ThrowIfNull(key);
        var choices = new Dictionary<string, bool>(Choices, StringComparer.Ordinal) { [key] = shown };
        return this with { Choices = choices };
    }

    public ChartToggles WithLevel(int level, bool shown)
    {
        var hidden = new HashSet<int>(HiddenLevels);
        if (shown)
        {
            hidden.Remove(level);
        }
        else
        {
            hidden.Add(level);
        }

        return this with { HiddenLevels = hidden };
    }
}
