using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Components.Fakes;
using TradingDashboard.Tests.Storage;
using static TradingDashboard.Tests.Models.Learning.PredictionOutcomeTrackerTests;

namespace TradingDashboard.Tests.Models.Learning;

public sealed class PredictionOutcomeProcessTests : IDisposable
{
    private const long Minute = 60_000;
    private const long T0 = 1_727_740_800_000; // 2024-10-01 00:00 UTC

    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), $"Timed out waiting for {what}.");
    }

    private static OHLCVBar Bar(string symbol, long openTimeMs, bool closed = true) =>
        new("Binance", symbol, Timeframe.OneMinute, openTimeMs, 100, 101, 99, 100, 1, closed);

    [Fact]
    public async Task Predictions_pivots_and_candles_from_their_sources_become_outcomes_on_the_stage_loop()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (60 * Minute)));
        var tracker = new PredictionOutcomeTracker(new SqlitePredictionOutcomeStore(_db.Database), new PredictionOutcomeOptions(), time, NullLogger<PredictionOutcomeTracker>.Instance);
        var state = new LearningProcessorState();
        var cache = new FakeCandleCache();
        var feed = new FakePredictionFeed();
        var registry = new FakeModelRegistry();
        registry.Add("cnn-a", new PivotLabelSettings(2, 3, 2));
        using var process = new PredictionOutcomeProcess(
            tracker, state, cache, feed, registry, new SqliteCandleStore(_db.Database), null,
            Microsoft.Extensions.Options.Options.Create(new PredictionOutcomeOptions()),
            Microsoft.Extensions.Options.Options.Create(new TradingOptions()),
            time, NullLogger<PredictionOutcomeProcess>.Instance);
        Assert.Equal("prediction-outcomes", process.Name);
        var notified = 0;
        using var subscription = tracker.Subscribe(() => Interlocked.Increment(ref notified));

        await process.StartAsync(CancellationToken.None);
        await Until(() => feed.SubscriberCount == 1 && state.PivotSubscriberCount == 1 && cache.SubscriberCount == 1 && state.StatusSubscriberCount == 1, "the subscriptions");

        feed.Publish(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.1f, 0.2f, 0.7f)));
        feed.Publish(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.1f, 0.2f, 0.7f)) with { ModelName = "not-registered" });
        feed.Publish(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.1f, 0.2f, 0.7f)) with { Symbol = "BTCUSDT" });

        // The horizon 00:10-00:12 of the primary symbol holds a level-2 high on 00:12; BTC's low on 00:10 is another series.
        state.RaisePivot(Pivot(Timeframe.OneMinute, T0 + (12 * Minute), PivotType.High));
        state.RaisePivot(Pivot(Timeframe.OneMinute, T0 + (10 * Minute), PivotType.Low) with { Symbol = "BTCUSDT" });
        for (var m = 0; m <= 20; m++)
        {
            cache.Publish(Bar("ETHUSDT", T0 + (m * Minute)));
        }

        cache.Publish(Bar("ETHUSDT", T0 + (21 * Minute), closed: false));
        await Until(() => tracker.Pending == 1, "the pending prediction");
        Assert.Empty(tracker.Recent());

        state.PublishProcessed(("ETHUSDT", Timeframe.OneMinute, T0 + (20 * Minute)));
        await Until(() => tracker.Recent().Count == 1, "the outcome");
        var outcome = tracker.Recent()[0];
        Assert.Equal(("cnn-a", PivotClass.Low, PivotClass.High), (outcome.ModelName, outcome.Predicted, outcome.Actual));
        Assert.Equal(0, tracker.Pending);
        Assert.Equal(2, tracker.Counters.Ignored);
        Assert.True(Volatile.Read(ref notified) > 0);

        await process.StopAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Stopped, process.GetInfo().State);
        Assert.Equal(0, feed.SubscriberCount);
        Assert.Equal(0, cache.SubscriberCount);
    }

    [Fact]
    public async Task After_a_restart_the_stage_reads_older_candles_from_the_store_for_the_pending_predictions()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (60 * Minute)));
        var labels = new PivotLabelSettings(2, 3, 2);
        var before = new PredictionOutcomeTracker(new SqlitePredictionOutcomeStore(_db.Database), new PredictionOutcomeOptions(), time, NullLogger<PredictionOutcomeTracker>.Instance);
        before.Load();
        before.AddPrediction(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.8f, 0.1f, 0.1f)), labels);

        // While the host was down the candles were stored; the processor, restarted, has handled them and keeps the pivots.
        var candles = new SqliteCandleStore(_db.Database);
        await candles.UpsertAsync(Enumerable.Range(0, 21).Select(m => Bar("ETHUSDT", T0 + (m * Minute))).ToList());
        var state = new LearningProcessorState();
        state.StoredPivots.Add(Pivot(Timeframe.OneMinute, T0 + (11 * Minute), PivotType.Low));
        state.PublishProcessed(("ETHUSDT", Timeframe.OneMinute, T0 + (20 * Minute)));

        var tracker = new PredictionOutcomeTracker(new SqlitePredictionOutcomeStore(_db.Open()), new PredictionOutcomeOptions(), time, NullLogger<PredictionOutcomeTracker>.Instance);
        using var process = new PredictionOutcomeProcess(
            tracker, state, new FakeCandleCache(), new FakePredictionFeed(), new FakeModelRegistry(), candles, null,
            Microsoft.Extensions.Options.Options.Create(new PredictionOutcomeOptions()),
            Microsoft.Extensions.Options.Options.Create(new TradingOptions()),
            time, NullLogger<PredictionOutcomeProcess>.Instance);
        await process.StartAsync(CancellationToken.None);
        await Until(() => tracker.Recent().Count == 1, "the outcome of the prediction made before the restart");
        Assert.Equal(PivotClass.Low, tracker.Recent()[0].Actual);
        await process.StopAsync(CancellationToken.None);
    }
}
