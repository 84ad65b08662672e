using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Execution;
using TradingDashboard.Ui;
using PlotlyLayout = Plotly.Blazor.Layout;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;
using ScatterMarker = Plotly.Blazor.Traces.ScatterLib.Marker;
using ScatterSymbol = Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum;

namespace TradingDashboard.Components.Pages.Backtests;

/// <summary>The Plotly figures of a backtest result: equity and drawdown, and a symbol's price with its fills as markers.</summary>
public static class BacktestFigures
{
    public const string StrategyColor = "#f0b90b";
    public const string BenchmarkColor = "#848e9c";
    public const string DrawdownColor = "#f6465d";

    private const string GridColor = "#1e2329";
    private const string TextColor = "#848e9c";
    private const string BackgroundColor = "rgba(0,0,0,0)";

    /// <summary>Drawdown at each point as a negative fraction of the running peak (0 at a new high, -0.1 = 10 % below).</summary>
    public static IReadOnlyList<double> Drawdown(IReadOnlyList<EquityPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var result = new double[curve.Count];
        var peak = double.MinValue;
        for (var i = 0; i < curve.Count; i++)
        {
            peak = Math.Max(peak, curve[i].Equity);
            result[i] = peak > 0 ? curve[i].Equity / peak - 1 : 0;
        }

        return result;
    }

    /// <summary>
    /// Strategy and buy-and-hold equity (top pane) and the strategy's drawdown (bottom pane, y2), at most
    /// <see cref="BacktestJobService.MaxChartPoints"/> points each: equity keeps the last point of each bucket, drawdown
    /// its deepest, so the worst drawdown stays visible however long the run.
    /// </summary>
    public static IList<ITrace> EquityTraces(BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var drawdown = Drawdown(result.Equity);
        var step = Step(result.Equity.Count);
        var equityX = new List<object>();
        var equityY = new List<object>();
        var drawdownY = new List<object>();
        for (var start = 0; start < result.Equity.Count; start += step)
        {
            var end = Math.Min(start + step, result.Equity.Count) - 1;
            equityX.Add(CandleSeries.FormatTime(result.Equity[end].TimeMs));
            equityY.Add(result.Equity[end].Equity);
            var deepest = 0.0;
            for (var i = start; i <= end; i++)
            {
                deepest = Math.Min(deepest, drawdown[i]);
            }

            drawdownY.Add(deepest);
        }

        var benchmarkStep = Step(result.Benchmark.Count);
        var benchmark = new List<EquityPoint>();
        for (var start = 0; start < result.Benchmark.Count; start += benchmarkStep)
        {
            benchmark.Add(result.Benchmark[Math.Min(start + benchmarkStep, result.Benchmark.Count) - 1]);
        }

        return
        [
            new Scatter
            {
                Name = result.Strategy,
                X = equityX,
                Y = equityY,
                Mode = ModeFlag.Lines,
                Line = new ScatterLine { Color = StrategyColor, Width = 1.5m },
                YAxis = "y",
            },
            new Scatter
            {
                Name = "buy and hold",
                X = benchmark.Select(p => (object)CandleSeries.FormatTime(p.TimeMs)).ToList(),
                Y = benchmark.Select(p => (object)p.Equity).ToList(),
                Mode = ModeFlag.Lines,
                Line = new ScatterLine { Color = BenchmarkColor, Width = 1m },
                YAxis = "y",
            },
            new Scatter
            {
                Name = "drawdown",
                X = equityX,
                Y = drawdownY,
                Mode = ModeFlag.Lines,
                Fill = FillEnum.ToZeroY,
                Line = new ScatterLine { Color = DrawdownColor, Width = 1m },
                YAxis = "y2",
            },
        ];
    }

    private static int Step(int count) => Math.Max(1, (count + BacktestJobService.MaxChartPoints - 1) / BacktestJobService.MaxChartPoints);

    /// <summary>The symbol's close price (downsampled) with buy fills as up triangles and sell fills as down triangles.</summary>
    public static IList<ITrace> TradeTraces(BacktestJob job, string symbol)
    {
        ArgumentNullException.ThrowIfNull(job);
        var prices = job.Prices.TryGetValue(symbol, out var p) ? p : [];
        var fills = job.Result?.Fills.Where(f => f.Symbol == symbol).ToList() ?? [];
        return
        [
            new Scatter
            {
                Name = $"{symbol} close",
                X = prices.Select(x => (object)CandleSeries.FormatTime(x.TimeMs)).ToList(),
                Y = prices.Select(x => (object)x.Close).ToList(),
                Mode = ModeFlag.Lines,
                Line = new ScatterLine { Color = BenchmarkColor, Width = 1m },
            },
            Markers("buy", fills.Where(f => f.Side == OrderSide.Buy).ToList(), ScatterSymbol.TriangleUp, CandlestickChart.RisingColor),
            Markers("sell", fills.Where(f => f.Side == OrderSide.Sell).ToList(), ScatterSymbol.TriangleDown, CandlestickChart.FallingColor),
        ];
    }

    public static PlotlyLayout EquityLayout() => Layout(
    [
        new YAxis { Domain = [0.32m, 1m], Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, GridColor = GridColor, ZeroLine = false, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "equity" } },
        new YAxis { Domain = [0m, 0.26m], Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, GridColor = GridColor, ZeroLine = false, TickFormat = ".1%", Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "drawdown" } },
    ]);

    public static PlotlyLayout PriceLayout() => Layout(
    [
        new YAxis { Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, GridColor = GridColor, ZeroLine = false },
    ]);

    public static Config Config() => new()
    {
        Responsive = true,
        DisplayLogo = false,
        DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
    };

    private static Scatter Markers(string name, IReadOnlyList<TradeRecord> fills, ScatterSymbol symbol, string color) => new()
    {
        Name = name,
        X = fills.Select(f => (object)CandleSeries.FormatTime(f.TimeMs)).ToList(),
        Y = fills.Select(f => (object)f.Price).ToList(),
        Mode = ModeFlag.Markers,
        Marker = new ScatterMarker { Symbol = symbol, Size = 10, Color = color },
        TextArray = fills.Select(f => $"{f.Side} {f.Quantity.ToString(CultureInfo.InvariantCulture)} @ {f.Price.ToString(CultureInfo.InvariantCulture)}: {f.Reason}").ToList(),
    };

    private static PlotlyLayout Layout(IList<YAxis> yAxes) => new()
    {
        PaperBgColor = BackgroundColor,
        PlotBgColor = BackgroundColor,
        Font = new Font { Color = TextColor, Size = 11 },
        Margin = new Margin { L = 8, R = 64, T = 8, B = 28 },
        ShowLegend = true,
        HoverMode = HoverModeEnum.X,
        XAxis = [new XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date, GridColor = GridColor, LineColor = GridColor }],
        YAxis = yAxes,
    };
}
