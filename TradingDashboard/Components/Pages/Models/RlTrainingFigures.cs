using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using TradingDashboard.Core.Reinforcement;
using PlotlyLayout = Plotly.Blazor.Layout;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace TradingDashboard.Components.Pages.Models;

/// <summary>
/// The Plotly figures of an RL training run, one point per episode: the reward and each of its components (pnl and the
/// three penalties, drawn negative so the components add up to the reward), and the episode's return, Sharpe, loss and
/// exploration.
/// </summary>
public static class RlTrainingFigures
{
    public const string RewardColor = "#f0b90b";
    public const string PnlColor = "#0ecb81";
    public const string DrawdownColor = "#f6465d";
    public const string VolatilityColor = "#a78bfa";
    public const string TradeColor = "#60a5fa";
    public const string ReturnColor = "#0ecb81";
    public const string SharpeColor = "#f0b90b";
    public const string LossColor = "#60a5fa";
    public const string ExplorationColor = "#a78bfa";

    private const string GridColor = "#1e2329";
    private const string TextColor = "#848e9c";
    private const string BackgroundColor = "rgba(0,0,0,0)";

    /// <summary>Reward, pnl, -drawdown penalty, -volatility penalty and -trade penalty per episode.</summary>
    public static IList<ITrace> RewardTraces(IReadOnlyList<RlEpisodeRecord> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var x = episodes.Select(e => (object)e.Episode).ToList();
        return
        [
            Line("reward", x, episodes.Select(e => (object)e.Reward).ToList(), RewardColor, "y", 2m),
            Line("pnl", x, episodes.Select(e => (object)e.Pnl).ToList(), PnlColor, "y", 1.2m),
            Line("− drawdown penalty", x, episodes.Select(e => (object)(-e.DrawdownPenalty)).ToList(), DrawdownColor, "y", 1.2m),
            Line("− volatility penalty", x, episodes.Select(e => (object)(-e.VolatilityPenalty)).ToList(), VolatilityColor, "y", 1.2m),
            Line("− trade penalty", x, episodes.Select(e => (object)(-e.TradePenalty)).ToList(), TradeColor, "y", 1.2m),
        ];
    }

    /// <summary>Return (left axis) and Sharpe (right axis) per episode.</summary>
    public static IList<ITrace> PerformanceTraces(IReadOnlyList<RlEpisodeRecord> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var x = episodes.Select(e => (object)e.Episode).ToList();
        return
        [
            Line("return", x, episodes.Select(e => (object)e.TotalReturn).ToList(), ReturnColor, "y", 1.5m),
            Line("Sharpe", x, episodes.Select(e => (object)e.Sharpe).ToList(), SharpeColor, "y2", 1.5m),
        ];
    }

    /// <summary>Loss (left axis) and exploration (right axis) per episode; episodes without a value leave a gap.</summary>
    public static IList<ITrace> LearningTraces(IReadOnlyList<RlEpisodeRecord> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var x = episodes.Select(e => (object)e.Episode).ToList();
        return
        [
            Line("loss", x, episodes.Select(e => e.Loss is { } l ? (object)l : null!).ToList(), LossColor, "y", 1.5m),
            Line("exploration", x, episodes.Select(e => e.Exploration is { } v ? (object)v : null!).ToList(), ExplorationColor, "y2", 1.5m),
        ];
    }

    public static PlotlyLayout RewardLayout() => Layout([Axis("reward (fraction of initial equity)")]);

    public static PlotlyLayout PerformanceLayout() => Layout([Axis("return"), Axis("Sharpe", overlay: true)]);

    public static PlotlyLayout LearningLayout() => Layout([Axis("loss"), Axis("exploration", overlay: true)]);

    private static YAxis Axis(string title, bool overlay = false) => overlay
        ? new YAxis { Overlaying = "y", Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, ShowGrid = false, ZeroLine = false, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = title } }
        : new YAxis { GridColor = GridColor, ZeroLine = true, ZeroLineColor = "#3a414b", Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = title } };

    private static Scatter Line(string name, IList<object> x, IList<object> y, string color, string axis, decimal width) => new()
    {
        Name = name,
        X = x,
        Y = y,
        Mode = ModeFlag.Lines,
        YAxis = axis,
        Line = new ScatterLine { Color = color, Width = width },
        HoverTemplate = name + " %{y:.5f} (episode %{x})<extra></extra>",
    };

    private static PlotlyLayout Layout(IList<YAxis> yAxes) => new()
    {
        PaperBgColor = BackgroundColor,
        PlotBgColor = BackgroundColor,
        Font = new Font { Color = TextColor, Size = 11 },
        Margin = new Margin { L = 56, R = 56, T = 8, B = 36 },
        ShowLegend = true,
        HoverMode = HoverModeEnum.X,
        XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "episode" }, GridColor = GridColor, LineColor = GridColor }],
        YAxis = yAxes,
    };
}
