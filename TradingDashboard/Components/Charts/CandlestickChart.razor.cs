using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using TradingDashboard.Core.Domain;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace TradingDashboard.Components.Charts;

/// <summary>One candle as the browser module applies it (serialized camelCase).</summary>
public sealed record CandlePoint(string X, double Open, double High, double Low, double Close, double Volume, string VolumeColor)
{
    public static CandlePoint From(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        return new(CandleSeries.FormatTime(bar.OpenTimeMs), bar.Open, bar.High, bar.Low, bar.Close, bar.Volume, CandleSeries.VolumeColor(bar));
    }
}

/// <summary>One point of an indicator trace: y null is a gap (not yet valid); Color, when set, is the bar's colour (MACD histogram).</summary>
public sealed record SeriesPoint(string X, double? Y, string? Color);

/// <summary>Points to replace or append on the trace with <paramref name="Uid"/>.</summary>
public sealed record SeriesUpdate(string Uid, IReadOnlyList<SeriesPoint> Points);

/// <summary>The whole arrays of one trace (pivot markers, reloaded indicators); null fields stay as they are.</summary>
public sealed record TraceArrays(string Uid, IReadOnlyList<object> X, IReadOnlyList<object> Y, IReadOnlyList<string>? Text, IReadOnlyList<string>? Symbols, IReadOnlyList<string>? Colors);

/// <summary>
/// Plotly candlestick with a volume pane below, price overlays, pivot markers and RSI / MACD panels (see
/// <see cref="ChartFigure"/>), bound to a <see cref="CandleSeries"/> and optional <see cref="ChartOverlays"/>. It renders
/// once; afterwards the figure changes only through <see cref="RedrawAsync"/> (full Plotly.react, for a new symbol,
/// timeframe or toggle) and the push methods (only what changed, applied in place by wwwroot-assets/js/candle-chart.js).
/// The traces reference the series' column lists, so keep one series per chart.
/// </summary>
public sealed partial class CandlestickChart : ComponentBase, IAsyncDisposable
{
    /// <summary>Where the host serves wwwroot-assets/js/candle-chart.js (relative to the base href).</summary>
    public const string ModulePath = "./assets/js/candle-chart.js";

    public const string RisingColor = "#0ecb81";
    public const string FallingColor = "#f6465d";

    private const string TextColor = ChartFigure.TextColor;
    private const string GridColor = ChartFigure.GridColor;
    // Transparent, so the chart takes the panel's colour from the stylesheet.
    private const string BackgroundColor = "rgba(0,0,0,0)";

    private readonly List<ITrace> _traces = [];
    private PlotlyChart? _plot;
    private PlotlyLayout _layout = new();
    private Config _config = new();
    private IJSObjectReference? _module;
    private string _height = string.Empty;
    private bool _rendered;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired]
    public CandleSeries Series { get; set; } = default!;

    /// <summary>Indicators, pivots and toggles from the data processor; null draws candles and volume only.</summary>
    [Parameter]
    public ChartOverlays? Overlays { get; set; }

    /// <summary>Id of the plot's div; unique per page.</summary>
    [Parameter]
    public string ChartId { get; set; } = "candle-chart";

    /// <summary>Height with price and volume only; each indicator panel adds <see cref="PanelHeight"/>.</summary>
    [Parameter]
    public string Height { get; set; } = "64vh";

    [Parameter]
    public string PanelHeight { get; set; } = "16vh";

    /// <summary>The figure as last sent (for tests and diagnostics).</summary>
    public ChartFigure? Figure { get; private set; }

    public IReadOnlyList<ITrace> Traces => _traces;

    public PlotlyLayout Layout => _layout;

    protected override void OnInitialized()
    {
        ArgumentNullException.ThrowIfNull(Series);
        _layout = new PlotlyLayout
        {
            PaperBgColor = BackgroundColor,
            PlotBgColor = BackgroundColor,
            Font = new Font { Color = TextColor, Family = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", Size = 11 },
            Margin = new Margin { L = 8, R = 64, T = 8, B = 28 },
            ShowLegend = false,
            DragMode = DragModeEnum.Pan,
            // One box for everything at the hovered time; the paper is transparent, so the box needs its own background.
            HoverMode = HoverModeEnum.XUnified,
            HoverLabel = new HoverLabel
            {
                BgColor = "#161a1e",
                BorderColor = "#2b3139",
                Font = new Plotly.Blazor.LayoutLib.HoverLabelLib.Font { Color = "#eaecef", Size = 11 },
            },
        };

        _config = new Config
        {
            Responsive = true,
            DisplayLogo = false,
            ScrollZoom = Plotly.Blazor.ConfigLib.ScrollZoomFlag.True,
            DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
        };

        Build();
    }

    // Parent re-renders (the candle count text) must not touch the plot: it is driven through Plotly only.
    protected override bool ShouldRender() => !_rendered;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        _rendered = true;
        if (firstRender)
        {
            // Refit the figure whenever its width changes (drawer opened or closed), not only on window resizes.
            await InvokeModuleAsync("followWidth", ChartId);
        }
    }

    /// <summary>CSS height of the figure with <paramref name="panels"/> indicator panels.</summary>
    public string HeightFor(int panels) => panels == 0 ? Height : $"calc({Height} + {panels} * {PanelHeight})";

    /// <summary>Rebuilds and sends the whole figure (Plotly.react). <paramref name="revision"/> keeps the user's zoom while it stays the same.</summary>
    public async Task RedrawAsync(string revision)
    {
        _layout.UiRevision = revision;
        var height = _height;
        Build();
        if (_plot is not null && _rendered)
        {
            await _plot.React();
            if (!string.Equals(height, _height, StringComparison.Ordinal))
            {
                await InvokeModuleAsync("setHeight", ChartId, _height);
            }
        }
    }

    /// <summary>Applies the given changed candles in the browser without resending the figure.</summary>
    public async Task PushAsync(IReadOnlyList<OHLCVBar> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (changed.Count == 0 || !_rendered)
        {
            return;
        }

        var points = new CandlePoint[changed.Count];
        for (var i = 0; i < changed.Count; i++)
        {
            points[i] = CandlePoint.From(changed[i]);
        }

        await InvokeModuleAsync("applyCandles", ChartId, points, Series.Capacity);
    }

    /// <summary>Applies new or replaced indicator rows to the shown indicator traces in the browser.</summary>
    public async Task PushIndicatorsAsync(IReadOnlyList<IndicatorRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0 || !_rendered || Overlays is null)
        {
            return;
        }

        var columns = Overlays.Indicators.Columns;
        var updates = new List<SeriesUpdate>();
        foreach (var (column, histogram) in ShownColumns())
        {
            var c = IndexOf(columns, column);
            if (c < 0)
            {
                continue;
            }

            var points = new SeriesPoint[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                var y = rows[i].Values[c];
                points[i] = new SeriesPoint(rows[i].X, y, histogram ? ChartFigure.HistogramColor(y) : null);
            }

            updates.Add(new SeriesUpdate(ChartFigure.IndicatorUid(column), points));
        }

        if (updates.Count > 0)
        {
            await InvokeModuleAsync("applySeries", ChartId, updates, Overlays.Indicators.Capacity);
        }
    }

    /// <summary>Sends the whole arrays of the shown indicator traces (after the rows were reloaded).</summary>
    public async Task ReplaceIndicatorsAsync()
    {
        if (!_rendered || Overlays is null)
        {
            return;
        }

        var indicators = Overlays.Indicators;
        var traces = ShownColumns()
            .Where(c => IndexOf(indicators.Columns, c.Column) >= 0)
            .Select(c =>
            {
                var y = indicators.Values(c.Column);
                IReadOnlyList<string>? colors = c.Histogram ? y.Select(v => ChartFigure.HistogramColor((double?)v)).ToList() : null;
                return new TraceArrays(ChartFigure.IndicatorUid(c.Column), indicators.X, y, null, null, colors);
            })
            .ToList();
        if (traces.Count > 0)
        {
            await InvokeModuleAsync("replaceTraces", ChartId, traces);
        }
    }

    /// <summary>Sends the markers of the shown pivot levels again (new pivots were confirmed).</summary>
    public async Task ReplacePivotsAsync()
    {
        if (!_rendered || Overlays is null)
        {
            return;
        }

        var traces = Overlays.Pivots.All
            .Where(l => Overlays.Toggles.IsLevelShown(l.Level))
            .Select(l => new TraceArrays(ChartFigure.PivotUid(l.Level), l.X, l.Y, l.Text, l.SymbolNames, null))
            .ToList();
        if (traces.Count > 0)
        {
            await InvokeModuleAsync("replaceTraces", ChartId, traces);
        }
    }

    /// <summary>Sends the predicted-pivot marker again (a newer prediction); a marker that appears or goes away needs <see cref="RedrawAsync"/>.</summary>
    public async Task ReplacePredictionAsync()
    {
        if (!_rendered || Overlays?.Prediction is not { } p)
        {
            return;
        }

        await InvokeModuleAsync("replaceTraces", ChartId, new[] { new TraceArrays(PredictionMarker.Uid, [p.X], [p.Y], [p.Text], [p.SymbolName], [p.Color]) });
    }

    /// <summary>Sends the orchestrator and RL markers again (both traces exist whenever <c>Overlays.Actions</c> is set).</summary>
    public async Task ReplaceActionsAsync()
    {
        if (!_rendered || Overlays?.Actions is not { } actions)
        {
            return;
        }

        await InvokeModuleAsync("replaceTraces", ChartId, new[]
        {
            new TraceArrays(actions.Orchestrator.Uid, actions.Orchestrator.X, actions.Orchestrator.Y, actions.Orchestrator.Text, actions.Orchestrator.Symbols, actions.Orchestrator.Colors),
            new TraceArrays(actions.Rl.Uid, actions.Rl.X, actions.Rl.Y, actions.Rl.Text, actions.Rl.Symbols, actions.Rl.Colors),
        });
    }

    private void Build()
    {
        var figure = ChartFigure.Build(Series, Overlays);
        Figure = figure;
        // PlotlyChart holds these very objects: change them in place, then React sends them.
        _traces.Clear();
        _traces.AddRange(figure.Traces);
        _layout.YAxis = figure.YAxes;
        _layout.Shapes = figure.Shapes;
        _layout.Annotations = figure.Annotations;
        _layout.XAxis =
        [
            new XAxis
            {
                Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date,
                Anchor = figure.XAnchor,
                GridColor = GridColor,
                LineColor = GridColor,
                RangeSlider = new Plotly.Blazor.LayoutLib.XAxisLib.RangeSlider { Visible = false },
                ShowSpikes = true,
                SpikeMode = Plotly.Blazor.LayoutLib.XAxisLib.SpikeModeFlag.Across,
                SpikeColor = TextColor,
                SpikeThickness = 1,
            },
        ];
        _height = HeightFor(figure.PanelCount);
    }

    // The indicator columns drawn now, and whether each is a histogram (coloured per bar).
    private IEnumerable<(string Column, bool Histogram)> ShownColumns()
    {
        if (Overlays is null)
        {
            yield break;
        }

        var toggles = Overlays.Toggles;
        foreach (var overlay in Overlays.Plan.Overlays.Where(toggles.IsShown))
        {
            foreach (var column in overlay.Columns)
            {
                yield return (column, false);
            }
        }

        foreach (var panel in Overlays.Plan.Panels.Where(toggles.IsShown))
        {
            for (var i = 0; i < panel.Columns.Count; i++)
            {
                yield return (panel.Columns[i], panel.Kind == IndicatorPanelKind.Macd && i == 2);
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> columns, string column)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private async Task InvokeModuleAsync(string identifier, params object?[] args)
    {
        _module ??= await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
        await _module.InvokeVoidAsync(identifier, args);
    }

    public async ValueTask DisposeAsync()
    {
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("unfollowWidth", ChartId);
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The circuit is gone; so is the module.
            }

            _module = null;
        }
    }
}
