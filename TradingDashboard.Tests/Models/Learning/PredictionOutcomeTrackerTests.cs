using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Storage;

namespace TradingDashboard.Tests.Models.Learning;

public sealed class PredictionOutcomeTrackerTests : IDisposable
{
    private const long Minute = 60_000;
    private const long Hour = 3_600_000;
    private const long T0 = 1_727_740_800_000; // 2024-10-01 00:00 UTC
    private const string Model = "cnn-a";

    // Horizon 3 bars, margin 2 bars: a 1m prediction at 00:10 looks at bars 00:10-00:12 and needs bars up to 00:14.
    private static readonly PivotLabelSettings Labels = new(PivotLevel: 2, HorizonBars: 3, ConfirmationMarginBars: 2);

    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (60 * Minute)));

    public void Dispose() => _db.Dispose();

    private PredictionOutcomeTracker Tracker(SqliteDatabase database, int window = 500) =>
        new(new SqlitePredictionOutcomeStore(database), new PredictionOutcomeOptions { RollingWindow = window }, _time, NullLogger<PredictionOutcomeTracker>.Instance);

    internal static CNNPrediction Prediction(long asOfMs, params TimeframePivotPrediction[] heads) =>
        new(Model, "v1", "ETHUSDT", asOfMs - Minute, asOfMs, heads, [], "CPU", 10);

    internal static TimeframePivotPrediction Head(Timeframe timeframe, float none, float high, float low, float confidence = 0.9f) =>
        new(timeframe, true, none, high, low, confidence);

    internal static PivotPoint Pivot(Timeframe timeframe, long openTimeMs, PivotType type, int level = 2) =>
        new("ETHUSDT", timeframe, level, type, 100, openTimeMs, openTimeMs + (5 * timeframe.DurationMs()));

    /// <summary>
    /// Four 1m predictions and the pivots confirmed later. Worked out by hand (first level-2 pivot in the 3-bar horizon):
    /// A at 00:10 (bars 10-12): low at 00:11 -> Low (the level-1 high at 00:10 and the high at 00:09 do not count).
    /// B at 00:11 (bars 11-13): low at 00:11 before the high at 00:12 -> Low.
    /// C at 00:13 (bars 13-15): nothing (the high at 00:16 is past the horizon) -> None.
    /// D at 00:20 (bars 20-22): a high and a low on bar 00:20 (outside bar) -> High.
    /// </summary>
    private static void AddScenario(PredictionOutcomeTracker tracker, bool predictions = true, bool market = true)
    {
        if (predictions)
        {
            Assert.Equal(1, tracker.AddPrediction(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.2f, 0.1f, 0.7f, 0.8f)), Labels));
            Assert.Equal(1, tracker.AddPrediction(Prediction(T0 + (11 * Minute), Head(Timeframe.OneMinute, 0.2f, 0.6f, 0.2f)), Labels));
            Assert.Equal(1, tracker.AddPrediction(Prediction(T0 + (13 * Minute), Head(Timeframe.OneMinute, 0.8f, 0.1f, 0.1f)), Labels));
            Assert.Equal(1, tracker.AddPrediction(Prediction(T0 + (20 * Minute), Head(Timeframe.OneMinute, 0.3f, 0.5f, 0.2f)), Labels));
        }

        if (market)
        {
            foreach (var pivot in new[]
            {
                Pivot(Timeframe.OneMinute, T0 + (9 * Minute), PivotType.High),
                Pivot(Timeframe.OneMinute, T0 + (10 * Minute), PivotType.High, level: 1),
                Pivot(Timeframe.OneMinute, T0 + (11 * Minute), PivotType.Low),
                Pivot(Timeframe.OneMinute, T0 + (12 * Minute), PivotType.High),
                Pivot(Timeframe.OneMinute, T0 + (16 * Minute), PivotType.High),
                Pivot(Timeframe.OneMinute, T0 + (20 * Minute), PivotType.Low),
                Pivot(Timeframe.OneMinute, T0 + (20 * Minute), PivotType.High),
            })
            {
                tracker.AddPivot(pivot);
            }

            for (var m = 0; m <= 30; m++)
            {
                tracker.AddClosedBar("ETHUSDT", Timeframe.OneMinute, T0 + (m * Minute));
            }
        }
    }

    private static Func<string, Timeframe, long?> ProcessedThrough(long lastOpenMs) => (_, _) => lastOpenMs;

    private static RollingScore Score(IPredictionOutcomes outcomes, PivotClass pivotClass) =>
        Assert.Single(outcomes.Scores, s => s.ModelName == Model && s.Timeframe == Timeframe.OneMinute && s.Class == pivotClass);

    [Fact]
    public void Predictions_resolve_with_the_class_of_the_first_pivot_in_their_horizon_once_the_processor_has_the_bars()
    {
        var tracker = Tracker(_db.Database);
        tracker.Load();
        AddScenario(tracker);
        Assert.Equal(4, tracker.Pending);

        // A needs bars through 00:14; the processor has handled 00:13 only: nothing resolves yet.
        Assert.Equal(0, tracker.Advance(ProcessedThrough(T0 + (13 * Minute))));
        Assert.Empty(tracker.Recent());

        Assert.Equal(1, tracker.Advance(ProcessedThrough(T0 + (14 * Minute))));
        var a = Assert.Single(tracker.Recent());
        Assert.Equal(new PredictionOutcome(Model, "ETHUSDT", Timeframe.OneMinute, T0 + (10 * Minute), PivotClass.Low, 0.7f, 0.8f, PivotClass.Low, _time.GetUtcNow().ToUnixTimeMilliseconds()), a);

        Assert.Equal(3, tracker.Advance(ProcessedThrough(T0 + (30 * Minute))));
        Assert.Equal(0, tracker.Pending);
        var recent = tracker.Recent();
        Assert.Equal([PivotClass.Low, PivotClass.High, PivotClass.None, PivotClass.High], recent.Select(o => o.Predicted));
        Assert.Equal([PivotClass.Low, PivotClass.Low, PivotClass.None, PivotClass.High], recent.Select(o => o.Actual));
        Assert.Equal([0.7f, 0.6f, 0.8f, 0.5f], recent.Select(o => o.Probability));
        Assert.Equal(2, tracker.Recent(2).Count);
        Assert.Equal(T0 + (20 * Minute), tracker.Recent(2)[^1].AsOfMs);

        // By hand over A..D: none predicted 1 (C, right), high predicted 2 (B wrong, D right), low predicted 1 (A right);
        // actual: none 1, high 1, low 2.
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.None, 1.0, 1.0, 1, 1, 4), Score(tracker, PivotClass.None));
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.High, 0.5, 1.0, 1, 2, 4), Score(tracker, PivotClass.High));
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.Low, 1.0, 0.5, 2, 1, 4), Score(tracker, PivotClass.Low));
        Assert.Equal(new PredictionOutcomeCounters(4, 0, 0, 0), tracker.Counters);
    }

    [Fact]
    public void Rolling_scores_cover_the_last_outcomes_only_and_are_null_where_undefined()
    {
        var tracker = Tracker(_db.Database, window: 3);
        tracker.Load();
        AddScenario(tracker);
        tracker.Advance(ProcessedThrough(T0 + (30 * Minute)));

        // Window B, C, D: low never predicted (precision null), one actual low (B) missed (recall 0).
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.Low, null, 0.0, 1, 0, 3), Score(tracker, PivotClass.Low));
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.High, 0.5, 1.0, 1, 2, 3), Score(tracker, PivotClass.High));
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.None, 1.0, 1.0, 1, 1, 3), Score(tracker, PivotClass.None));

        using var other = new TempDatabase();
        var single = Tracker(other.Database, window: 1);
        single.Load();
        AddScenario(single);
        single.Advance(ProcessedThrough(T0 + (30 * Minute)));

        // Window D only (high predicted, high happened): none and low neither predicted nor happened.
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.None, null, null, 0, 0, 1), Score(single, PivotClass.None));
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.Low, null, null, 0, 0, 1), Score(single, PivotClass.Low));
        Assert.Equal(new RollingScore(Model, Timeframe.OneMinute, PivotClass.High, 1.0, 1.0, 1, 1, 1), Score(single, PivotClass.High));
    }

    [Fact]
    public void Pending_predictions_and_resolved_outcomes_survive_a_restart()
    {
        var first = Tracker(_db.Database);
        first.Load();
        AddScenario(first, market: false);
        first.Advance((_, _) => null);
        Assert.Equal(4, first.Pending);

        // Restart: a new tracker on a new handle of the same file.
        var second = Tracker(_db.Open());
        var notified = 0;
        using var subscription = second.Subscribe(() => notified++);
        second.Load();
        Assert.Equal(4, second.Pending);
        AddScenario(second, predictions: false);
        Assert.Equal(4, second.Advance(ProcessedThrough(T0 + (30 * Minute))));
        Assert.True(notified >= 2);
        Assert.Equal([PivotClass.Low, PivotClass.Low, PivotClass.None, PivotClass.High], second.Recent().Select(o => o.Actual));

        // The same prediction replayed after it resolved is not tracked again.
        Assert.Equal(0, second.AddPrediction(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.2f, 0.1f, 0.7f)), Labels));

        var third = Tracker(_db.Open());
        third.Load();
        Assert.Equal(0, third.Pending);
        Assert.Equal(second.Recent(), third.Recent());
        Assert.Equal(second.Scores, third.Scores);
        Assert.Equal(4, new SqlitePredictionOutcomeStore(_db.Database).CountByStatus()[SqlitePredictionOutcomeStore.StatusResolved]);
    }

    [Fact]
    public void A_prediction_whose_bars_have_a_gap_expires_once_the_data_has_moved_a_whole_label_span_past_it()
    {
        var tracker = Tracker(_db.Database);
        tracker.Load();
        tracker.AddPrediction(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.2f, 0.1f, 0.7f)), Labels);
        for (var m = 0; m <= 40; m++)
        {
            if (m != 12)
            {
                tracker.AddClosedBar("ETHUSDT", Timeframe.OneMinute, T0 + (m * Minute));
            }
        }

        // Needs bars 00:10-00:14 (5 bars); it expires when the processor is 5 bars past 00:14, at 00:19.
        tracker.Advance(ProcessedThrough(T0 + (18 * Minute)));
        Assert.Equal(1, tracker.Pending);

        // The missing bar arriving late heals the gap... but only before expiry; here it stays missing.
        tracker.Advance(ProcessedThrough(T0 + (19 * Minute)));
        Assert.Equal(0, tracker.Pending);
        Assert.Empty(tracker.Recent());
        Assert.Equal(new PredictionOutcomeCounters(0, 1, 0, 0), tracker.Counters);
        Assert.Equal(1, new SqlitePredictionOutcomeStore(_db.Database).CountByStatus()[SqlitePredictionOutcomeStore.StatusExpired]);
    }

    [Fact]
    public void A_late_bar_fills_a_gap_before_expiry_and_the_prediction_resolves()
    {
        var tracker = Tracker(_db.Database);
        tracker.Load();
        tracker.AddPrediction(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.2f, 0.7f, 0.1f)), Labels);
        for (var m = 0; m <= 20; m++)
        {
            if (m != 12)
            {
                tracker.AddClosedBar("ETHUSDT", Timeframe.OneMinute, T0 + (m * Minute));
            }
        }

        tracker.AddPivot(Pivot(Timeframe.OneMinute, T0 + (12 * Minute), PivotType.High));
        tracker.Advance(ProcessedThrough(T0 + (16 * Minute)));
        Assert.Equal(1, tracker.Pending);

        tracker.AddClosedBar("ETHUSDT", Timeframe.OneMinute, T0 + (12 * Minute));
        tracker.Advance(ProcessedThrough(T0 + (17 * Minute)));
        Assert.Equal(PivotClass.High, Assert.Single(tracker.Recent()).Actual);
    }

    [Fact]
    public void Every_available_head_is_tracked_and_a_slow_timeframe_keeps_the_last_prediction_before_its_horizon()
    {
        var tracker = Tracker(_db.Database);
        tracker.Load();
        var unavailable = TimeframePivotPrediction.Unavailable(Timeframe.OneDay);
        tracker.AddPrediction(Prediction(T0 + (10 * Minute), Head(Timeframe.OneMinute, 0.8f, 0.1f, 0.1f), Head(Timeframe.OneHour, 0.2f, 0.1f, 0.7f), unavailable), Labels);
        tracker.AddPrediction(Prediction(T0 + (20 * Minute), Head(Timeframe.OneMinute, 0.8f, 0.1f, 0.1f), Head(Timeframe.OneHour, 0.2f, 0.6f, 0.2f), unavailable), Labels);

        // Two 1m items; both 1h heads look at the horizon starting 01:00: one item, the one made at 00:20.
        Assert.Equal(3, tracker.Pending);

        // 1h horizon: bars 01:00-03:00, plus margin through 05:00; a level-2 high on 02:00 -> High.
        for (var h = 0; h <= 5; h++)
        {
            tracker.AddClosedBar("ETHUSDT", Timeframe.OneHour, T0 + (h * Hour));
        }

        tracker.AddPivot(Pivot(Timeframe.OneHour, T0 + (2 * Hour), PivotType.High));
        tracker.Advance((_, tf) => tf == Timeframe.OneHour ? T0 + (5 * Hour) : null);
        var outcome = Assert.Single(tracker.Recent());
        Assert.Equal((Timeframe.OneHour, T0 + (20 * Minute), PivotClass.High, 0.6f, PivotClass.High), (outcome.Timeframe, outcome.AsOfMs, outcome.Predicted, outcome.Probability, outcome.Actual));
        Assert.Equal(2, tracker.Pending);
    }

    [Fact]
    public void The_oldest_pending_predictions_are_dropped_and_counted_beyond_MaxPending()
    {
        var tracker = new PredictionOutcomeTracker(
            new SqlitePredictionOutcomeStore(_db.Database), new PredictionOutcomeOptions { MaxPending = 10 }, _time, NullLogger<PredictionOutcomeTracker>.Instance);
        tracker.Load();
        for (var m = 0; m < 12; m++)
        {
            tracker.AddPrediction(Prediction(T0 + (m * Minute), Head(Timeframe.OneMinute, 0.8f, 0.1f, 0.1f)), Labels);
        }

        Assert.Equal(10, tracker.Pending);
        Assert.Equal(2, tracker.Counters.Overflowed);
        var store = new SqlitePredictionOutcomeStore(_db.Database);
        Assert.Equal(2, store.CountByStatus()[SqlitePredictionOutcomeStore.StatusOverflow]);
        Assert.Equal(Enumerable.Range(2, 10).Select(m => T0 + (m * Minute)), store.LoadPending().Select(p => p.AsOfMs));
    }
}
