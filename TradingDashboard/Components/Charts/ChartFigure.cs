using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using CandleDecreasing = Plotly.Blazor.Traces.CandlestickLib.Decreasing;
using CandleDecreasingLine = Plotly.Blazor.Traces.CandlestickLib.DecreasingLib.Line;
using CandleIncreasing = Plotly.Blazor.Traces.CandlestickLib.Increasing;
using CandleIncreasingLine = Plotly.Blazor.Traces.CandlestickLib.IncreasingLib.Line;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;
using ScatterMarker = Plotly.Blazor.Traces.ScatterLib.Marker;

namespace TradingDashboard.Components.Charts;

/// <summary>
/// The traces and axes of the price chart: candles (trace 0) and volume (trace 1, second y axis) as before, then the
/// price overlays (moving averages, Bollinger band), the pivot markers (level 5 first, so smaller markers sit on top),
/// and one panel per shown RSI / MACD with its own y axis domain below volume; every trace shares the one x axis.
/// Each data trace has a uid (<see cref="IndicatorUid"/>, <see cref="PivotUid"/>) by which the browser module updates it.
/// </summary>
public sealed record ChartFigure(
    IList<ITrace> Traces,
    IList<YAxis> YAxes,
    IList<Shape> Shapes,
    IList<Annotation> Annotations,
    string XAnchor,
    int PanelCount)
{
    public const string CandleUid = "candles";
    public const string VolumeUid = "volume";
    public const string GridColor = "#1e2329";
    public const string TextColor = "#848e9c";
    public const string RsiColor = "#c084fc";
    public const string MacdColor = "#60a5fa";
    public const string MacdSignalColor = "#f59e0b";
    public const string HistogramUpColor = "rgba(14,203,129,0.6)";
    public const string HistogramDownColor = "rgba(246,70,93,0.6)";

    /// <summary>Relative heights: price, volume, each indicator panel.</summary>
    public const double PriceWeight = 4.0;
    public const double VolumeWeight = 1.0;
    public const double PanelWeight = 1.4;
    public const double Gap = 0.03;

    private const string ValueFormat = "%{y:,.7~r}";
    private const string BandFillColor = "rgba(148,163,184,0.09)";

    public static string IndicatorUid(string column) => "ind:" + column;

    public static string BandUid(string key) => "band:" + key;

    public static string PivotUid(int level) => "pivot:" + level.ToString(CultureInfo.InvariantCulture);

    /// <summary>Colour of a MACD histogram bar: green at or above zero, red below, none for a gap.</summary>
    public static string HistogramColor(double? value) => value is null ? "rgba(0,0,0,0)" : value >= 0 ? HistogramUpColor : HistogramDownColor;

    /// <summary>Vertical shares of the figure, top to bottom: price, volume, then <paramref name="panels"/> panels; each [from, to].</summary>
    public static IReadOnlyList<(decimal From, decimal To)> Domains(int panels)
    {
        var weights = new List<double> { PriceWeight, VolumeWeight };
        weights.AddRange(Enumerable.Repeat(PanelWeight, panels));
        var available = 1.0 - (Gap * (weights.Count - 1));
        var total = weights.Sum();
        var result = new List<(decimal, decimal)>(weights.Count);
        var top = 1.0;
        for (var i = 0; i < weights.Count; i++)
        {
            var bottom = i == weights.Count - 1 ? 0.0 : top - (weights[i] / total * available);
            result.Add((Round(bottom), Round(top)));
            top = bottom - Gap;
        }

        return result;
    }

    public static ChartFigure Build(CandleSeries series, ChartOverlays? overlays)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plan = overlays?.Plan ?? IndicatorPlan.Empty;
        var toggles = overlays?.Toggles ?? ChartToggles.Default;
        var panels = plan.Panels.Where(toggles.IsShown).ToList();
        var domains = Domains(panels.Count);

        var traces = new List<ITrace>
        {
            new Candlestick
            {
                Name = "Price",
                UId = CandleUid,
                X = series.X,
                Open = series.Open,
                High = series.High,
                Low = series.Low,
                Close = series.Close,
                XAxis = "x",
                YAxis = "y",
                Increasing = new CandleIncreasing { FillColor = CandlestickChart.RisingColor, Line = new CandleIncreasingLine { Color = CandlestickChart.RisingColor, Width = 1 } },
                Decreasing = new CandleDecreasing { FillColor = CandlestickChart.FallingColor, Line = new CandleDecreasingLine { Color = CandlestickChart.FallingColor, Width = 1 } },
            },
            new Bar
            {
                Name = "Volume",
                UId = VolumeUid,
                X = series.X,
                Y = series.Volume,
                XAxis = "x",
                YAxis = "y2",
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = series.VolumeColors },
            },
        };

        var yAxes = new List<YAxis>
        {
            Axis(domains[0], showGrid: true),
            Axis(domains[1], showGrid: false),
        };
        var shapes = new List<Shape>();
        var annotations = new List<Annotation>();

        if (overlays is not null)
        {
            var indicators = overlays.Indicators;
            foreach (var overlay in plan.Overlays.Where(toggles.IsShown))
            {
                traces.AddRange(OverlayTraces(overlay, indicators));
            }

            var scatterBefore = traces.Count > 2;
            for (var level = PivotMarkers.Levels; level >= 1; level--)
            {
                if (overlays.HasSeries && toggles.IsLevelShown(level))
                {
                    traces.Add(PivotTrace(overlays.Pivots.Level(level), scatterBefore));
                    scatterBefore = true;
                }
            }

            if (overlays.Prediction is { } prediction)
            {
                traces.Add(PredictionTrace(prediction, scatterBefore));
                scatterBefore = true;
            }

            if (overlays.Actions is { } actions)
            {
                traces.Add(ActionTrace(actions.Orchestrator, size: 13, scatterBefore));
                traces.Add(ActionTrace(actions.Rl, size: 9, scatterBefore: true));
            }

            for (var p = 0; p < panels.Count; p++)
            {
                var axisNumber = p + 3;
                var axis = "y" + axisNumber.ToString(CultureInfo.InvariantCulture);
                var panel = panels[p];
                var yAxis = Axis(domains[p + 2], showGrid: true);
                annotations.Add(new Annotation
                {
                    Text = panel.Label,
                    XRef = "paper",
                    X = 0,
                    YRef = axis + " domain",
                    Y = 1,
                    XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Left,
                    YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Top,
                    ShowArrow = false,
                    Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = TextColor, Size = 10 },
                });
                if (panel.Kind == IndicatorPanelKind.Rsi)
                {
                    yAxis.Range = [0, 100];
                    yAxis.TickVals = [30, 70];
                    shapes.Add(Guide(axis, 30));
                    shapes.Add(Guide(axis, 70));
                    traces.Add(Line(IndicatorUid(panel.Columns[0]), panel.Label, indicators, panel.Columns[0], RsiColor, axis, width: 1.2m));
                }
                else
                {
                    var hist = panel.Columns[2];
                    var histValues = indicators.ValuesList(hist);
                    traces.Add(new Bar
                    {
                        Name = IndicatorPlan.Label(hist),
                        UId = IndicatorUid(hist),
                        X = indicators.X,
                        Y = histValues,
                        XAxis = "x",
                        YAxis = axis,
                        HoverTemplate = "hist " + ValueFormat + "<extra></extra>",
                        Marker = new Plotly.Blazor.Traces.BarLib.Marker { ColorArray = histValues.Select(v => (object)HistogramColor((double?)v)).ToList() },
                    });
                    traces.Add(Line(IndicatorUid(panel.Columns[0]), "MACD", indicators, panel.Columns[0], MacdColor, axis, width: 1.2m));
                    traces.Add(Line(IndicatorUid(panel.Columns[1]), "signal", indicators, panel.Columns[1], MacdSignalColor, axis, width: 1.2m));
                }

                yAxes.Add(yAxis);
            }
        }

        var bottomAxis = "y" + (yAxes.Count == 1 ? string.Empty : yAxes.Count.ToString(CultureInfo.InvariantCulture));
        return new ChartFigure(traces, yAxes, shapes, annotations, bottomAxis, panels.Count);
    }

    private static IEnumerable<ITrace> OverlayTraces(PriceOverlay overlay, IndicatorSeries indicators)
    {
        if (overlay.Kind == PriceOverlayKind.Line)
        {
            yield return Line(IndicatorUid(overlay.Columns[0]), overlay.Label, indicators, overlay.Columns[0], overlay.Color, "y", width: 1.3m);
            yield break;
        }

        // The shaded area first (behind), then upper, dotted middle, lower. The area is its own closed polygon per run of
        // valid values ("toself" closes each segment between gaps): a "tonexty" fill would bridge gaps in the data.
        var upperUid = IndicatorUid(overlay.Columns[0]);
        var lowerUid = IndicatorUid(overlay.Columns[2]);
        var (x, y) = BandPolygon(indicators.X, indicators.Values(overlay.Columns[0]), indicators.Values(overlay.Columns[2]));
        yield return new Scatter
        {
            Name = overlay.Label,
            UId = BandUid(overlay.Key),
            // The browser module rebuilds the polygon from these two traces after each update.
            Meta = new[] { upperUid, lowerUid },
            Mode = ModeFlag.None,
            X = x,
            Y = y,
            XAxis = "x",
            YAxis = "y",
            Fill = FillEnum.ToSelf,
            FillColor = BandFillColor,
            Line = new ScatterLine { Width = 0 },
            HoverInfo = HoverInfoFlag.Skip,
        };
        yield return Line(upperUid, overlay.Label + " upper", indicators, overlay.Columns[0], overlay.Color, "y", width: 0.8m);
        var middle = Line(IndicatorUid(overlay.Columns[1]), overlay.Label + " middle", indicators, overlay.Columns[1], overlay.Color, "y", width: 0.8m);
        middle.Line!.Dash = "dot";
        yield return middle;
        yield return Line(lowerUid, overlay.Label + " lower", indicators, overlay.Columns[2], overlay.Color, "y", width: 0.8m);
    }

    /// <summary>
    /// The outline of a band as Plotly polygons: for each run of rows where both bounds are valid, the upper bound
    /// forward and the lower bound backward; runs are separated by a point with a null y. Same rule as bandPolygon in
    /// wwwroot-assets/js/candle-chart.js.
    /// </summary>
    public static (List<object> X, List<object> Y) BandPolygon(IReadOnlyList<object> x, IReadOnlyList<object> upper, IReadOnlyList<object> lower)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(upper);
        ArgumentNullException.ThrowIfNull(lower);
        var px = new List<object>();
        var py = new List<object>();
        var n = Math.Min(x.Count, Math.Min(upper.Count, lower.Count));
        var i = 0;
        while (i < n)
        {
            if (upper[i] is null || lower[i] is null)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < n && upper[i] is not null && lower[i] is not null)
            {
                i++;
            }

            if (px.Count > 0)
            {
                px.Add(x[start]);
                py.Add(null!);
            }

            for (var k = start; k < i; k++)
            {
                px.Add(x[k]);
                py.Add(upper[k]);
            }

            for (var k = i - 1; k >= start; k--)
            {
                px.Add(x[k]);
                py.Add(lower[k]);
            }
        }

        return (px, py);
    }

    private static Scatter Line(string uid, string name, IndicatorSeries indicators, string column, string color, string axis, decimal width) => new()
    {
        Name = name,
        UId = uid,
        Mode = ModeFlag.Lines,
        X = indicators.X,
        Y = indicators.ValuesList(column),
        XAxis = "x",
        YAxis = axis,
        ConnectGaps = false,
        Line = new ScatterLine { Color = color, Width = width },
        HoverTemplate = name + " " + ValueFormat + "<extra></extra>",
    };

    private static Scatter PivotTrace(PivotLevelMarkers markers, bool scatterBefore)
    {
        var size = PivotMarkers.SizeOf(markers.Level);
        return new Scatter
        {
            // Plotly pads the x range by 5% for a trace with markers, leaving an empty strip before the first candle and
            // after the last; a "tonexty" fill turns that padding off. The fill is transparent. Only when another scatter
            // trace precedes it on the price axes: on the first one, "tonexty" would stretch the price axis down to zero.
            Fill = scatterBefore ? FillEnum.ToNextY : FillEnum.None,
            FillColor = "rgba(0,0,0,0)",
            HoverOn = HoverOnFlag.Points,
            Name = "Pivots L" + markers.Level.ToString(CultureInfo.InvariantCulture),
            UId = PivotUid(markers.Level),
            Mode = ModeFlag.Markers,
            X = markers.X,
            Y = markers.Y,
            XAxis = "x",
            YAxis = "y",
            TextArray = markers.Text,
            HoverTemplate = "%{text}<extra></extra>",
            Marker = new ScatterMarker
            {
                SymbolArray = markers.Symbols,
                Size = size,
                Color = PivotMarkers.ColorOf(markers.Level),
                // Pixels between the pivot's price and the marker, so the triangle points at the wick's end without covering it.
                Standoff = Math.Round(size / 2) + 3,
                Line = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.Line { Color = "#0b0e11", Width = 0.5m },
            },
        };
    }

    private static Scatter PredictionTrace(PredictionMarker prediction, bool scatterBefore) => new()
    {
        // As for the pivot markers: a transparent "tonexty" fill keeps Plotly from padding the x range for this marker.
        Fill = scatterBefore ? FillEnum.ToNextY : FillEnum.None,
        FillColor = "rgba(0,0,0,0)",
        HoverOn = HoverOnFlag.Points,
        Name = "Predicted pivot",
        UId = PredictionMarker.Uid,
        Mode = ModeFlag.Markers,
        X = [prediction.X],
        Y = [prediction.Y],
        XAxis = "x",
        YAxis = "y",
        TextArray = [prediction.Text],
        HoverTemplate = "%{text}<extra></extra>",
        Marker = new ScatterMarker
        {
            SymbolArray = [prediction.Symbol],
            Size = 14,
            ColorArray = [prediction.Color],
            Standoff = 12,
            Line = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.Line { Color = prediction.Color, Width = 1.5m },
        },
    };

    // Always present while the host runs an orchestrator (possibly empty), so new markers replace the arrays without a redraw.
    private static Scatter ActionTrace(ActionMarkerTrace markers, int size, bool scatterBefore) => new()
    {
        Fill = scatterBefore ? FillEnum.ToNextY : FillEnum.None,
        FillColor = "rgba(0,0,0,0)",
        HoverOn = HoverOnFlag.Points,
        Name = markers.Name,
        UId = markers.Uid,
        Mode = ModeFlag.Markers,
        X = [.. markers.X],
        Y = [.. markers.Y],
        XAxis = "x",
        YAxis = "y",
        TextArray = [.. markers.Text],
        HoverTemplate = "%{text}<extra></extra>",
        Marker = new ScatterMarker
        {
            SymbolArray = [.. markers.Symbols.Select(ParseSymbol)],
            Size = size,
            ColorArray = [.. markers.Colors],
            Standoff = size - 2,
            Line = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.Line { Color = "#0b0e11", Width = 0.5m },
        },
    };

    private static Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum ParseSymbol(string name) => name switch
    {
        "triangle-up" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.TriangleUp,
        "triangle-up-open" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.TriangleUpOpen,
        "triangle-down" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.TriangleDown,
        "triangle-down-open" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.TriangleDownOpen,
        _ => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Diamond,
    };

    private static YAxis Axis((decimal From, decimal To) domain, bool showGrid) => new()
    {
        Domain = [domain.From, domain.To],
        Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right,
        ShowGrid = showGrid,
        GridColor = GridColor,
        ZeroLine = false,
        AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
    };

    private static Shape Guide(string axis, double level) => new()
    {
        Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
        XRef = "paper",
        X0 = 0,
        X1 = 1,
        YRef = axis,
        Y0 = level,
        Y1 = level,
        Layer = Plotly.Blazor.LayoutLib.ShapeLib.LayerEnum.Below,
        Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = "#3a414b", Width = 1, Dash = "dot" },
    };

    private static decimal Round(double value) => Math.Round((decimal)value, 4);
}
