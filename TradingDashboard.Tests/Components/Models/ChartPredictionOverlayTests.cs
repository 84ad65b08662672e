using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib.MarkerLib;
using TradingDashboard.Components.Charts;
using TradingDashboard.Components.Pages.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Components.Fakes;
using static TradingDashboard.Tests.Components.Fakes.ModelFixtures;

namespace TradingDashboard.Tests.Components.Models;

/// <summary>The Charts page's predicted-next-pivot marker: present only when a model predicts the shown timeframe.</summary>
public sealed class ChartPredictionOverlayTests : ComponentTestBase
{
    private const string Eth = "ETHUSDT";
    private readonly FakeCandleCache _cache = new();
    private readonly FakePredictionFeed _feed = new();
    private readonly List<OHLCVBar> _candles = Candles.Series(Eth, Timeframe.OneMinute, 50);
    private readonly BunitJSModuleInterop _module;

    public ChartPredictionOverlayTests()
    {
        _candles[^1] = _candles[^1] with { IsClosed = false };
        _cache.Seed(_candles);
        Ctx.Services.AddSingleton<ICandleCache>(_cache);
        Ctx.Services.AddSingleton<IDataProcessorState>(new FakeDataProcessorState());
        Ctx.Services.AddSingleton<IProcessController>(new FakeProcessController(
            new ProcessInfo(DataProcessorService.ProcessName, "Indicators", ProcessState.Running, null, 0, 0, null, null)));
        _module = Ctx.JSInterop.SetupModule(CandlestickChart.ModulePath);
        _module.Mode = JSRuntimeMode.Loose;
    }

    // The forming candle's open is the close of the one before: a prediction made then is about bars from the forming one on.
    private long FormingOpen => _candles[^1].OpenTimeMs;

    private static Scatter? Marker(IRenderedComponent<ChartsPage> cut) =>
        cut.FindComponent<CandlestickChart>().Instance.Traces.OfType<Scatter>().FirstOrDefault(s => s.UId == PredictionMarker.Uid);

    [Fact]
    public void Without_model_serving_the_chart_has_no_prediction_marker()
    {
        var cut = Render<ChartsPage>();

        Assert.Null(Marker(cut));
        Assert.Empty(cut.FindAll("[data-prediction]"));
    }

    [Fact]
    public void A_prediction_for_another_timeframe_or_symbol_draws_no_marker()
    {
        Ctx.Services.AddSingleton<IPredictionFeed>(_feed);
        _feed.Seed(Prediction("cnn-pivot", Eth, FormingOpen, Head(Timeframe.OneHour, 0.1f, 0.8f, 0.1f, 0.9f), TimeframePivotPrediction.Unavailable(Timeframe.OneMinute)));
        _feed.Seed(Prediction("cnn-pivot", "BTCUSDT", FormingOpen, Head(Timeframe.OneMinute, 0.1f, 0.8f, 0.1f, 0.9f)));

        var cut = Render<ChartsPage>();

        Assert.Null(Marker(cut));
    }

    [Fact]
    public void A_predicted_high_is_a_down_triangle_at_the_forming_bar_on_the_last_high_with_the_probability_in_the_hover()
    {
        Ctx.Services.AddSingleton<IPredictionFeed>(_feed);
        _feed.Seed(Prediction("cnn-pivot", Eth, FormingOpen, Head(Timeframe.OneMinute, 0.25f, 0.625f, 0.125f, 0.75f)));

        var cut = Render<ChartsPage>();

        var marker = Marker(cut)!;
        Assert.NotNull(marker);
        Assert.Equal(new object[] { CandleSeries.FormatTime(FormingOpen) }, marker.X);
        Assert.Equal(new object[] { _candles[^1].High }, marker.Y);
        Assert.Equal(new SymbolEnum?[] { SymbolEnum.TriangleDown }, marker.Marker.SymbolArray);
        Assert.Contains("pivot high · p 62.5 % · confidence 75.0 %", marker.TextArray[0], StringComparison.Ordinal);
        Assert.Contains("cnn-pivot", marker.TextArray[0], StringComparison.Ordinal);
        Assert.Equal("high", cut.Find("[data-prediction]").GetAttribute("data-prediction"));
    }

    [Fact]
    public void A_prediction_arriving_later_adds_the_marker_and_a_newer_one_moves_it_without_a_full_redraw()
    {
        Ctx.Services.AddSingleton<IPredictionFeed>(_feed);
        var cut = Render<ChartsPage>();
        Assert.Null(Marker(cut));

        _feed.Publish(Prediction("cnn-pivot", Eth, FormingOpen, Head(Timeframe.OneMinute, 0.1f, 0.2f, 0.7f, 0.8f)));
        Time.Advance(ChartsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.NotNull(Marker(cut)));
        Assert.Equal(new SymbolEnum?[] { SymbolEnum.TriangleUp }, Marker(cut)!.Marker.SymbolArray);
        Assert.Equal(new object[] { _candles[^1].Low }, Marker(cut)!.Y);
        Assert.Equal("low", cut.Find("[data-prediction]").GetAttribute("data-prediction"));

        _feed.Publish(Prediction("cnn-pivot", Eth, FormingOpen, Head(Timeframe.OneMinute, 0.1f, 0.7f, 0.2f, 0.8f)));
        Time.Advance(ChartsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("high", cut.Find("[data-prediction]").GetAttribute("data-prediction")));
        var replaced = _module.Invocations.Where(i => i.Identifier == "replaceTraces")
            .SelectMany(i => (IEnumerable<TraceArrays>)i.Arguments[1]!)
            .Where(t => t.Uid == PredictionMarker.Uid)
            .ToList();
        var last = Assert.Single(replaced);
        Assert.Equal(["triangle-down"], last.Symbols);
        Assert.Equal(new object[] { _candles[^1].High }, last.Y);
    }

    [Fact]
    public void The_active_model_is_preferred_when_two_models_predict_the_timeframe()
    {
        var registry = new FakeModelRegistry();
        registry.Registered.Add(Model(Card("fasttree-1m", kind: ModelKinds.FastTree), "fasttree-1m", active: true));
        Ctx.Services.AddSingleton<IModelRegistry>(registry);
        Ctx.Services.AddSingleton<IPredictionFeed>(_feed);
        _feed.Seed(Prediction("fasttree-1m", Eth, FormingOpen - 60_000, Head(Timeframe.OneMinute, 0.1f, 0.1f, 0.8f, 0.8f)));
        _feed.Seed(Prediction("cnn-standby", Eth, FormingOpen, Head(Timeframe.OneMinute, 0.1f, 0.8f, 0.1f, 0.8f)));

        var cut = Render<ChartsPage>();

        Assert.Contains("fasttree-1m", Marker(cut)!.TextArray[0], StringComparison.Ordinal);
        Assert.Equal("low", cut.Find("[data-prediction]").GetAttribute("data-prediction"));
    }
}
