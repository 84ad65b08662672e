using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using TradingDashboard.Core.Models;
using PlotlyLayout = Plotly.Blazor.Layout;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace TradingDashboard.Components.Pages.Models;

/// <summary>The Plotly figures of the Training page: loss and validation pivot F1 per epoch, and one feature histogram.</summary>
public static class TrainingFigures
{
    public const string TrainLossColor = "#f0b90b";
    public const string ValidationLossColor = "#60a5fa";
    public const string F1Color = "#0ecb81";
    public const string HistogramColor = "#a78bfa";

    private const string GridColor = "#1e2329";
    private const string TextColor = "#848e9c";
    private const string BackgroundColor = "rgba(0,0,0,0)";

    /// <summary>Train and validation loss (left axis) and validation pivot F1 (right axis, 0..1) against the epoch number.</summary>
    public static IList<ITrace> EpochTraces(IReadOnlyList<EpochMetrics> epochs)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var x = epochs.Select(e => (object)e.Epoch).ToList();
        return
        [
            Line("train loss", x, epochs.Select(e => (object)e.TrainLoss).ToList(), TrainLossColor, "y"),
            Line("validation loss", x, epochs.Select(e => (object)e.ValidationLoss).ToList(), ValidationLossColor, "y"),
            Line("validation pivot F1", x, epochs.Select(e => (object)e.ValidationPivotF1).ToList(), F1Color, "y2"),
        ];
    }

    public static PlotlyLayout EpochLayout() => Layout(
        new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "epoch" }, GridColor = GridColor, LineColor = GridColor, DTick = 1 },
        [
            new YAxis { GridColor = GridColor, ZeroLine = false, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "loss" } },
            new YAxis { Overlaying = "y", Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, Range = [0, 1], ShowGrid = false, ZeroLine = false, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "pivot F1" } },
        ]);

    /// <summary>The centre of each of the histogram's equal-width bins between <see cref="FeatureHistogram.Min"/> and <see cref="FeatureHistogram.Max"/>.</summary>
    public static IReadOnlyList<double> BinCenters(FeatureHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var n = histogram.Counts.Count;
        if (n == 0)
        {
            return [];
        }

        var width = (histogram.Max - histogram.Min) / n;
        return Enumerable.Range(0, n).Select(i => histogram.Min + ((i + 0.5) * width)).ToList();
    }

    public static IList<ITrace> HistogramTraces(FeatureHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var n = histogram.Counts.Count;
        var width = n == 0 ? 0 : (histogram.Max - histogram.Min) / n;
        return
        [
            new Bar
            {
                Name = $"{histogram.Feature} {histogram.Timeframe}",
                X = BinCenters(histogram).Select(c => (object)c).ToList(),
                Y = histogram.Counts.Select(c => (object)c).ToList(),
                // Bars as wide as their bins, so the x axis reads as the feature's value.
                Width = width > 0 ? (decimal)width : null,
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = HistogramColor },
            },
        ];
    }

    public static PlotlyLayout HistogramLayout() => Layout(
        new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "value" }, GridColor = GridColor, LineColor = GridColor },
        [new YAxis { GridColor = GridColor, ZeroLine = false, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "frames" } }]);

    public static Config Config() => new()
    {
        Responsive = true,
        DisplayLogo = false,
        DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
    };

    private static Scatter Line(string name, IList<object> x, IList<object> y, string color, string axis) => new()
    {
        Name = name,
        X = x,
        Y = y,
        Mode = ModeFlag.Lines | ModeFlag.Markers,
        YAxis = axis,
        Line = new ScatterLine { Color = color, Width = 1.5m },
        HoverTemplate = name + " %{y:.4f} (epoch %{x})<extra></extra>",
    };

    private static PlotlyLayout Layout(XAxis xAxis, IList<YAxis> yAxes) => new()
    {
        PaperBgColor = BackgroundColor,
        PlotBgColor = BackgroundColor,
        Font = new Font { Color = TextColor, Size = 11 },
        Margin = new Margin { L = 48, R = 48, T = 8, B = 36 },
        ShowLegend = true,
        HoverMode = HoverModeEnum.X,
        XAxis = [xAxis],
        YAxis = yAxes,
    };

    internal static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
