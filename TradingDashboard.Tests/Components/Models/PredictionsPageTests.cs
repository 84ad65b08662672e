using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Components.Pages.Models;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Components.Fakes;
using static TradingDashboard.Tests.Components.Fakes.ModelFixtures;

namespace TradingDashboard.Tests.Components.Models;

public sealed class PredictionsPageTests : ComponentTestBase
{
    // 2024-05-01 12:00:00 UTC.
    private const long AsOf = 1_714_564_800_000;
    private readonly FakePredictionFeed _feed = new();
    private readonly FakePredictionOutcomes _outcomes = new();
    private readonly FakeModelRegistry _registry = new();

    private void AddServices()
    {
        Ctx.Services.AddSingleton<IPredictionFeed>(_feed);
        Ctx.Services.AddSingleton<IPredictionOutcomes>(_outcomes);
        Ctx.Services.AddSingleton<IModelRegistry>(_registry);
    }

    private void LoadOneModel() => _registry.Registered.Add(Model(Card("cnn-pivot"), "cnn", active: true));

    [Fact]
    public void Says_model_serving_is_not_configured_when_the_host_has_no_prediction_services()
    {
        var cut = Render<PredictionsPage>();

        Assert.NotNull(cut.Find("[data-not-configured=predictions]"));
        Assert.NotNull(cut.Find("[data-not-configured=outcomes]"));
        Assert.Empty(cut.FindAll("[data-latest]"));
    }

    [Fact]
    public void Says_no_model_loaded_when_the_registry_is_empty_and_no_predictions_yet_when_a_model_is_loaded()
    {
        AddServices();
        var cut = Render<PredictionsPage>();
        Assert.Equal("no-model", cut.Find("[data-latest-empty]").GetAttribute("data-latest-empty"));
        Assert.Contains("No model loaded", cut.Find("[data-latest-empty]").TextContent, StringComparison.Ordinal);

        LoadOneModel();
        _registry.Changed();
        Time.Advance(PredictionsPage.RefreshInterval);

        Assert.Equal("no-predictions", cut.Find("[data-latest-empty]").GetAttribute("data-latest-empty"));
        Assert.Contains("No predictions yet", cut.Find("[data-latest-empty]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-scores-empty]"));
        Assert.NotNull(cut.Find("[data-outcomes-empty]"));
    }

    [Fact]
    public void Shows_the_latest_predicted_pivot_per_symbol_timeframe_and_model_with_probability_and_confidence()
    {
        AddServices();
        LoadOneModel();
        _feed.Seed(Prediction("cnn-pivot", "ETHUSDT", AsOf,
            Head(Timeframe.OneMinute, 0.2f, 0.7f, 0.1f, 0.8f),
            Head(Timeframe.OneHour, 0.5f, 0.1f, 0.4f, 0.55f),
            TimeframePivotPrediction.Unavailable(Timeframe.OneSecond)));

        var cut = Render<PredictionsPage>();

        var rows = cut.FindAll("[data-latest]");
        // The unavailable 1s head has no row.
        Assert.Equal(["ETHUSDT:1m:cnn-pivot", "ETHUSDT:1h:cnn-pivot"], rows.Select(r => r.GetAttribute("data-latest") ?? string.Empty).ToArray());
        Assert.Equal("high", rows[0].GetAttribute("data-predicted"));
        Assert.Equal("70.0 %", rows[0].QuerySelector("[data-probability]")!.TextContent);
        Assert.Equal("80.0 %", rows[0].QuerySelector("[data-confidence]")!.TextContent);
        Assert.Contains("2024-05-01 12:00:00 UTC", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("none", rows[1].GetAttribute("data-predicted"));
        Assert.Equal("50.0 %", rows[1].QuerySelector("[data-probability]")!.TextContent);
    }

    [Fact]
    public void Lists_outcomes_as_hit_or_miss_and_scores_with_a_dash_where_there_are_no_outcomes()
    {
        AddServices();
        LoadOneModel();
        _outcomes.PendingCount = 7;
        _outcomes.Outcomes.Add(new PredictionOutcome("cnn-pivot", "ETHUSDT", Timeframe.OneMinute, AsOf - 120_000, PivotClass.High, 0.7f, 0.8f, PivotClass.High, AsOf));
        _outcomes.Outcomes.Add(new PredictionOutcome("cnn-pivot", "ETHUSDT", Timeframe.OneMinute, AsOf - 60_000, PivotClass.Low, 0.6f, 0.7f, PivotClass.None, AsOf));
        _outcomes.RollingScores.Add(new RollingScore("cnn-pivot", Timeframe.OneMinute, PivotClass.High, 0.5, 0.25, 4, 2, 200));
        _outcomes.RollingScores.Add(new RollingScore("cnn-pivot", Timeframe.OneMinute, PivotClass.Low, null, null, 0, 0, 200));

        var cut = Render<PredictionsPage>();

        Assert.Equal("7", cut.Find("[data-pending]").GetAttribute("data-pending"));
        var outcomes = cut.FindAll("[data-outcome]");
        // Newest first: the low that did not happen, then the high that did.
        Assert.Equal(["0", "1"], outcomes.Select(o => o.GetAttribute("data-hit") ?? string.Empty).ToArray());
        Assert.Contains("miss", outcomes[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("hit", outcomes[1].TextContent, StringComparison.Ordinal);

        var high = cut.Find("[data-score=\"cnn-pivot:1m:high\"]");
        Assert.Equal("0.500", high.QuerySelector("[data-precision]")!.TextContent.Trim());
        Assert.Equal("0.250", high.QuerySelector("[data-recall]")!.TextContent.Trim());
        var low = cut.Find("[data-score=\"cnn-pivot:1m:low\"]");
        Assert.StartsWith("—", low.QuerySelector("[data-precision]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("no outcomes yet", low.QuerySelector("[data-precision]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("no outcomes yet", low.QuerySelector("[data-recall]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void New_predictions_and_outcomes_appear_on_the_next_tick_and_subscriptions_end_with_the_page()
    {
        AddServices();
        LoadOneModel();
        var cut = Render<PredictionsPage>();
        Assert.Empty(cut.FindAll("[data-latest]"));
        Assert.Equal(1, _feed.SubscriberCount);
        Assert.Equal(1, _outcomes.SubscriberCount);

        _feed.Publish(Prediction("cnn-pivot", "BTCUSDT", AsOf, Head(Timeframe.OneMinute, 0.1f, 0.2f, 0.7f, 0.9f)));
        _outcomes.Outcomes.Add(new PredictionOutcome("cnn-pivot", "BTCUSDT", Timeframe.OneMinute, AsOf, PivotClass.Low, 0.7f, 0.9f, PivotClass.Low, AsOf + 300_000));
        _outcomes.Changed();
        // Coalesced: nothing changes before the tick.
        Assert.Empty(cut.FindAll("[data-latest]"));

        Time.Advance(PredictionsPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("low", cut.Find("[data-latest=\"BTCUSDT:1m:cnn-pivot\"]").GetAttribute("data-predicted")));
        Assert.Single(cut.FindAll("[data-outcome]"));

        cut.Instance.Dispose();
        Assert.Equal(0, _feed.SubscriberCount);
        Assert.Equal(0, _outcomes.SubscriberCount);
        Assert.Equal(0, _registry.SubscriberCount);
    }
}
