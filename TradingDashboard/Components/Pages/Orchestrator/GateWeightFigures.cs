using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using TradingDashboard.Core.Orchestration;
using PlotlyLayout = Plotly.Blazor.Layout;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace TradingDashboard.Components.Pages.Orchestrator;

/// <summary>The gate weights over time: one line per expert, x the decision time, y its weight (0..1).</summary>
public static class GateWeightFigures
{
    private static readonly string[] Colors = ["#f0b90b", "#60a5fa", "#0ecb81", "#a78bfa", "#f6465d", "#fb923c"];
    private const string GridColor = "#1e2329";
    private const string TextColor = "#848e9c";
    private const string BackgroundColor = "rgba(0,0,0,0)";

    /// <summary>One trace per expert over the decisions given (one symbol, oldest first).</summary>
    public static IList<ITrace> Traces(IReadOnlyList<OrchestratorDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var experts = decisions.SelectMany(d => d.Votes.Select(v => v.Expert)).Distinct(StringComparer.Ordinal).ToList();
        var x = decisions.Select(d => (object)d.Action.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
        return experts.Select((expert, i) => (ITrace)new Scatter
        {
            Name = expert,
            X = x,
            Y = decisions.Select(d => (object)(d.Votes.FirstOrDefault(v => v.Expert == expert)?.Weight ?? 0.0)).ToList(),
            Mode = ModeFlag.Lines,
            Line = new ScatterLine { Color = Colors[i % Colors.Length], Width = 1.5m },
            HoverTemplate = expert + " %{y:.3f}<extra></extra>",
        }).ToList();
    }

    public static PlotlyLayout Layout() => new()
    {
        PaperBgColor = BackgroundColor,
        PlotBgColor = BackgroundColor,
        Font = new Font { Color = TextColor, Size = 11 },
        Margin = new Margin { L = 48, R = 16, T = 8, B = 36 },
        ShowLegend = true,
        HoverMode = HoverModeEnum.X,
        XAxis = [new XAxis { GridColor = GridColor, LineColor = GridColor, Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date }],
        YAxis = [new YAxis { GridColor = GridColor, ZeroLine = false, Range = [0, 1], Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "gate weight" } }],
    };

    public static Config Config() => new()
    {
        Responsive = true,
        DisplayLogo = false,
        DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
    };
}
