using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using TradingDashboard.Core.Domain;
using CandleDecreasing = Plotly.Blazor.Traces.CandlestickLib.Decreasing;
using CandleDecreasingLine = Plotly.Blazor.Traces.CandlestickLib.DecreasingLib.Line;
using CandleIncreasing = Plotly.Blazor.Traces.CandlestickLib.Increasing;
using CandleIncreasingLine = Plotly.Blazor.Traces.CandlestickLib.IncreasingLib.Line;
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

/// <summary>
/// Plotly candlestick with a volume pane below (second y axis), bound to a <see cref="CandleSeries"/>. It renders
/// once; afterwards the figure changes only through <see cref="RedrawAsync"/> (full Plotly.react, for a new symbol
/// or timeframe) and <see cref="PushAsync"/> (the changed candles only, applied in place by
/// wwwroot-assets/js/candle-chart.js). The traces reference the series' column lists, so keep one series per chart.
/// </summary>
public sealed partial class CandlestickChart : ComponentBase, IAsyncDisposable
{
    /// <summary>Where the host serves wwwroot-assets/js/candle-chart.js (relative to the base href).</summary>
    public const string ModulePath = "./assets/js/candle-chart.js";

    public const string RisingColor = "#0ecb81";
    public const string FallingColor = "#f6465d";

    private const string GridColor = "#1e2329";
    private const string TextColor = "#848e9c";
    // Transparent, so the chart takes the panel's colour from the stylesheet.
    private const string BackgroundColor = "rgba(0,0,0,0)";

    private PlotlyChart? _plot;
    private IList<ITrace> _traces = [];
    private PlotlyLayout _layout = new();
    private Config _config = new();
    private IJSObjectReference? _module;
    private bool _rendered;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired]
    public CandleSeries Series { get; set; } = default!;

    /// <summary>Id of the plot's div; unique per page.</summary>
    [Parameter]
    public string ChartId { get; set; } = "candle-chart";

    [Parameter]
    public string Height { get; set; } = "64vh";

    protected override void OnInitialized()
    {
        ArgumentNullException.ThrowIfNull(Series);
        _traces =
        [
            new Candlestick
            {
                Name = "Price",
                X = Series.X,
                Open = Series.Open,
                High = Series.High,
                Low = Series.Low,
                Close = Series.Close,
                XAxis = "x",
                YAxis = "y",
                Increasing = new CandleIncreasing { FillColor = RisingColor, Line = new CandleIncreasingLine { Color = RisingColor, Width = 1 } },
                Decreasing = new CandleDecreasing { FillColor = FallingColor, Line = new CandleDecreasingLine { Color = FallingColor, Width = 1 } },
            },
            new Bar
            {
                Name = "Volume",
                X = Series.X,
                Y = Series.Volume,
                XAxis = "x",
                YAxis = "y2",
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = Series.VolumeColors },
            },
        ];

        _layout = new PlotlyLayout
        {
            PaperBgColor = BackgroundColor,
            PlotBgColor = BackgroundColor,
            Font = new Font { Color = TextColor, Family = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", Size = 11 },
            Margin = new Margin { L = 8, R = 64, T = 8, B = 28 },
            ShowLegend = false,
            DragMode = DragModeEnum.Pan,
            HoverMode = HoverModeEnum.X,
            XAxis =
            [
                new XAxis
                {
                    Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date,
                    GridColor = GridColor,
                    LineColor = GridColor,
                    RangeSlider = new Plotly.Blazor.LayoutLib.XAxisLib.RangeSlider { Visible = false },
                    ShowSpikes = true,
                    SpikeColor = TextColor,
                    SpikeThickness = 1,
                },
            ],
            YAxis =
            [
                new YAxis
                {
                    Domain = [0.24m, 1m],
                    Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right,
                    GridColor = GridColor,
                    ZeroLine = false,
                    AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
                },
                new YAxis
                {
                    Domain = [0m, 0.2m],
                    Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right,
                    ShowGrid = false,
                    ZeroLine = false,
                    AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
                },
            ],
        };

        _config = new Config
        {
            Responsive = true,
            DisplayLogo = false,
            ScrollZoom = Plotly.Blazor.ConfigLib.ScrollZoomFlag.True,
            DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
        };
    }

    // Parent re-renders (the candle count text) must not touch the plot: it is driven through Plotly only.
    protected override bool ShouldRender() => !_rendered;

    protected override void OnAfterRender(bool firstRender) => _rendered = true;

    /// <summary>Sends the whole figure again (Plotly.react). <paramref name="revision"/> keeps the user's zoom while it stays the same.</summary>
    public async Task RedrawAsync(string revision)
    {
        _layout.UiRevision = revision;
        if (_plot is not null && _rendered)
        {
            await _plot.React();
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

        _module ??= await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
        var points = new CandlePoint[changed.Count];
        for (var i = 0; i < changed.Count; i++)
        {
            points[i] = CandlePoint.From(changed[i]);
        }

        await _module.InvokeVoidAsync("applyCandles", ChartId, points, Series.Capacity);
    }

    public async ValueTask DisposeAsync()
    {
        if (_module is not null)
        {
            try
            {
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
