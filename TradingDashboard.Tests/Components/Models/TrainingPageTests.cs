using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using TradingDashboard.Components.Pages.Models;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Components.Fakes;
using static TradingDashboard.Tests.Components.Fakes.ModelFixtures;

namespace TradingDashboard.Tests.Components.Models;

public sealed class TrainingPageTests : ComponentTestBase
{
    private static readonly DateTimeOffset T0 = new(2024, 4, 30, 17, 0, 0, TimeSpan.Zero);
    private readonly FakeTrainingRuns _runs = new();
    private readonly FakeModelRegistry _registry = new();

    private static ModelMetrics Test(double highF1, double lowF1) => new(0.7, (highF1 + lowF1) / 2,
    [
        new ClassMetrics("1m", "low", 0.5, 0.4, lowF1, 30),
        new ClassMetrics("1m", "high", 0.6, 0.3, highF1, 32),
        new ClassMetrics("1h", "high", 0.2, 0.1, 0.133, 5),
    ]);

    private static TrainingRunRecord Run(string id, string model, DateTimeOffset started, ModelMetrics? test, params EpochMetrics[] epochs) =>
        new(id, model, ModelKinds.Cnn, started, started.AddMinutes(30), "completed", null, "manual", epochs,
            [
                new FeatureHistogram("rsi", "1m", 0, 100, [1, 2, 3, 4], 0.0),
                new FeatureHistogram("rsi", "1h", 0, 100, [5, 5], 0.1),
                new FeatureHistogram("log_return", "1m", -0.01, 0.01, [10, 20, 30, 20, 10], 0.25),
            ],
            new ModelMetrics(0.65, 0.41, []), test, null);

    public TrainingPageTests()
    {
        _runs.Runs.Add(Run("r1", "cnn-a", T0, Test(0.4, 0.35), new EpochMetrics(1, 1.05, 0.98, 0.21, 10, 1e-3), new EpochMetrics(2, 0.91, 0.93, 0.30, 10, 1e-3)));
        _runs.Runs.Add(Run("r2", "cnn-b", T0.AddHours(2), Test(0.45, 0.38), new EpochMetrics(1, 1.10, 1.00, 0.18, 10, 1e-3)));
    }

    private void AddServices()
    {
        Ctx.Services.AddSingleton<ITrainingRuns>(_runs);
        Ctx.Services.AddSingleton<IModelRegistry>(_registry);
    }

    private static T Figure<T>(IRenderedComponent<TrainingPage> cut, string id)
        where T : ITrace =>
        cut.FindComponents<PlotlyChart>().First(c => c.Instance.Id == id).Instance.Data.OfType<T>().First();

    [Fact]
    public void Says_model_serving_is_not_configured_without_a_run_store()
    {
        var cut = Render<TrainingPage>();

        Assert.NotNull(cut.Find("[data-not-configured=training-runs]"));
        Assert.Empty(cut.FindAll("[data-comparison]"));
    }

    [Fact]
    public void Says_no_training_runs_yet_with_an_empty_run_store()
    {
        _runs.Runs.Clear();
        AddServices();

        var cut = Render<TrainingPage>();

        Assert.NotNull(cut.Find("[data-runs-empty]"));
        Assert.Empty(cut.FindAll("[data-selected-run]"));
    }

    [Fact]
    public void Lists_runs_newest_first_and_opens_the_newest_with_its_loss_and_f1_curves()
    {
        AddServices();

        var cut = Render<TrainingPage>();

        Assert.Equal(["r2", "r1"], cut.FindAll("tr[data-run]").Select(r => r.GetAttribute("data-run") ?? string.Empty).ToArray());
        Assert.Equal("2", cut.Find("tr[data-run=r1] [data-epochs]").TextContent);
        Assert.Equal("r2", cut.Find("[data-selected-run]").GetAttribute("data-selected-run"));

        cut.Find("[data-select-run=r1]").Click();

        Assert.Equal("r1", cut.Find("[data-selected-run]").GetAttribute("data-selected-run"));
        var traces = cut.FindComponents<PlotlyChart>().First(c => c.Instance.Id == "training-epochs").Instance.Data.OfType<Scatter>().ToList();
        Assert.Equal(["train loss", "validation loss", "validation pivot F1"], traces.Select(t => t.Name).ToArray());
        Assert.Equal(new object[] { 1, 2 }, traces[0].X);
        Assert.Equal(new object[] { 1.05, 0.91 }, traces[0].Y);
        Assert.Equal(new object[] { 0.98, 0.93 }, traces[1].Y);
        Assert.Equal(new object[] { 0.21, 0.30 }, traces[2].Y);
        Assert.Equal("y2", traces[2].YAxis);
    }

    [Fact]
    public void Shows_the_histogram_of_the_chosen_feature_and_timeframe_with_bins_centred_between_min_and_max()
    {
        AddServices();
        var cut = Render<TrainingPage>();

        // The first histogram of the run: rsi 1m, 4 bins over 0..100 are centred at 12.5, 37.5, 62.5, 87.5.
        Assert.Equal("rsi:1m", cut.Find("[data-histogram]").GetAttribute("data-histogram"));
        var bar = Figure<Bar>(cut, "training-histogram");
        Assert.Equal(new object[] { 12.5, 37.5, 62.5, 87.5 }, bar.X);
        Assert.Equal(new object[] { 1L, 2L, 3L, 4L }, bar.Y);

        cut.Find("#hist-timeframe").Change("1h");
        Assert.Equal("rsi:1h", cut.Find("[data-histogram]").GetAttribute("data-histogram"));
        Assert.Equal(new object[] { 25.0, 75.0 }, Figure<Bar>(cut, "training-histogram").X);

        // log_return has no 1h histogram: its 1m one is shown. 5 bins of width 0.004 from -0.01.
        cut.Find("#hist-feature").Change("log_return");
        Assert.Equal("log_return:1m", cut.Find("[data-histogram]").GetAttribute("data-histogram"));
        var centres = Figure<Bar>(cut, "training-histogram").X.Cast<double>().ToArray();
        Assert.Equal(new[] { -0.008, -0.004, 0.0, 0.004, 0.008 }, centres, (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.Contains("25.0 %", cut.Find("[data-histogram]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Shows_the_test_metrics_of_the_selected_run()
    {
        AddServices();
        var cut = Render<TrainingPage>();

        Assert.Equal("0.415", cut.Find("[data-test-f1]").TextContent);
        var high = cut.Find("[data-test-class=\"1m:high\"]");
        Assert.Contains("0.600", high.TextContent, StringComparison.Ordinal);
        Assert.Contains("0.450", high.TextContent, StringComparison.Ordinal);
        Assert.Equal(3, cut.FindAll("[data-test-class]").Count);
    }

    [Fact]
    public void The_run_named_in_the_address_is_opened()
    {
        AddServices();
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("training?run=r1");

        var cut = Render<TrainingPage>();

        Assert.Equal("r1", cut.Find("[data-selected-run]").GetAttribute("data-selected-run"));
    }

    [Fact]
    public void Compares_two_runs_side_by_side_and_says_when_their_test_period_is_unknown()
    {
        AddServices();
        var cut = Render<TrainingPage>();
        Assert.NotNull(cut.Find("[data-comparison-empty]"));

        cut.Find("[data-compare=\"run:r1\"]").Change(true);
        cut.Find("[data-compare=\"run:r2\"]").Change(true);

        Assert.Equal(["run:r2", "run:r1"], cut.FindAll("[data-compare-column]").Select(c => c.GetAttribute("data-compare-column") ?? string.Empty).ToArray());
        // Rows: 1m high, 1m low, 1h high (timeframes in order, then high, low).
        Assert.Equal(["1m:high", "1m:low", "1h:high"], cut.FindAll("[data-compare-row]").Select(r => r.GetAttribute("data-compare-row") ?? string.Empty).ToArray());
        var f1 = cut.FindAll("[data-compare-row=\"1m:high\"] [data-f1]").Select(c => c.TextContent).ToArray();
        Assert.Equal(["0.450", "0.400"], f1);
        // Neither run's model card is in the registry: the page cannot tell whether they share a test period.
        Assert.Contains("Test period unknown", cut.Find("[data-period-note]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Compares_registered_models_and_notes_when_their_test_periods_differ()
    {
        _registry.Registered.Add(Model(Card("cnn-a", test: Test(0.4, 0.35), created: T0.AddMinutes(29)), "cnn", active: true));
        _registry.Registered.Add(Model(Card("cnn-b", test: Test(0.45, 0.38), created: T0.AddHours(2).AddMinutes(29), to: new DateTimeOffset(2024, 4, 29, 0, 0, 0, TimeSpan.Zero)), "cnn", active: false));
        AddServices();
        var cut = Render<TrainingPage>();

        cut.Find("[data-compare=\"model:cnn-a\"]").Change(true);
        cut.Find("[data-compare=\"run:r1\"]").Change(true);
        // Run r1 produced cnn-a's card (same name, stamped during the run): same test period, no note.
        Assert.Empty(cut.FindAll("[data-period-note]"));

        cut.Find("[data-compare=\"model:cnn-b\"]").Change(true);

        var note = cut.Find("[data-period-note]").TextContent;
        Assert.Contains("Test periods differ", note, StringComparison.Ordinal);
        Assert.Contains("2024-01-01 → 2024-04-29", note, StringComparison.Ordinal);
        Assert.Contains("2024-01-01 → 2024-03-31", note, StringComparison.Ordinal);
    }
}
