using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Pipeline;
using TradingDashboard.Tests.Storage;

namespace TradingDashboard.Tests.Models.Learning;

public sealed class ContinualLearningServiceTests : IDisposable
{
    private const long Minute = 60_000;
    private const long Hour = 3_600_000;
    private const long Day = 86_400_000;

    /// <summary>2024-10-03 00:00 UTC.</summary>
    private const long Now = 1_727_913_600_000;

    private static readonly Actor Admin = new("alice", UserRole.Admin, "127.0.0.1");
    private static readonly Actor Viewer = new("victor", UserRole.Viewer, "127.0.0.1");

    private readonly TempDatabase _db = new();
    private readonly string _models = Path.Combine(Path.GetTempPath(), $"td-models-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(Now));
    private readonly LearningProcessorState _state = new();
    private readonly FakeModelTrainer _trainer = new();
    private readonly FakeModelRegistry _registry = new();
    private readonly InMemoryAuditLog _audit = new();
    private readonly AlertService _alerts;
    private readonly SqliteCandleStore _candles;

    public ContinualLearningServiceTests()
    {
        _alerts = new AlertService(_time, NullLogger<AlertService>.Instance);
        _candles = new SqliteCandleStore(_db.Database);
        _state.Schema = new FeatureSchema(new FeatureSettings
        {
            Symbols = ["ETHUSDT", "BTCUSDT"],
            Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
            OptionalTimeframes = [],
        });
    }

    public void Dispose() => _db.Dispose();

    private ContinualLearningService Service(int retrainAfterPivots, IModelTrainer? trainer = null, bool withTrainer = true, SqliteDatabase? database = null) => new(
        _state,
        _candles,
        new SqliteContinualLearningStore(database ?? _db.Database),
        _audit,
        _alerts,
        Microsoft.Extensions.Options.Options.Create(new ContinualLearningOptions
        {
            RetrainAfterPivots = retrainAfterPivots,
            Epochs = 3,
            LookbackDays = new() { ["1m"] = 1, ["1h"] = 10 },
            OutputDirectory = _models,
        }),
        Microsoft.Extensions.Options.Options.Create(new TradingOptions()),
        _time,
        NullLogger<ContinualLearningService>.Instance,
        withTrainer ? trainer ?? _trainer : null,
        _registry);

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), $"Timed out waiting for {what}.");
    }

    private async Task StartAsync(ContinualLearningService service)
    {
        await service.StartAsync(CancellationToken.None);
        await Until(() => _state.PivotSubscriberCount == 1, "the pivot subscription");
    }

    /// <summary>Two days of 1m bars and twenty days of 1h bars for both symbols, and 1d bars (not in the schema) for ETH.</summary>
    private async Task SeedCandlesAsync()
    {
        var bars = new List<OHLCVBar>();
        foreach (var symbol in new[] { "ETHUSDT", "BTCUSDT" })
        {
            for (var t = Now - (2 * Day); t < Now; t += Minute)
            {
                bars.Add(new OHLCVBar("Binance", symbol, Timeframe.OneMinute, t, 100, 101, 99, 100, 1, true));
            }

            for (var t = Now - (20 * Day); t < Now; t += Hour)
            {
                bars.Add(new OHLCVBar("Binance", symbol, Timeframe.OneHour, t, 100, 101, 99, 100, 1, true));
            }
        }

        for (var t = Now - (30 * Day); t < Now; t += Day)
        {
            bars.Add(new OHLCVBar("Binance", "ETHUSDT", Timeframe.OneDay, t, 100, 101, 99, 100, 1, true));
        }

        await _candles.UpsertAsync(bars);
    }

    private static PivotPoint Pivot(string symbol, int level, long openTimeMs = Now - Hour) =>
        new(symbol, Timeframe.OneMinute, level, PivotType.High, 100, openTimeMs, openTimeMs + (5 * Minute));

    [Fact]
    public async Task After_RetrainAfterPivots_new_level_pivots_of_the_primary_symbol_it_retrains_once_on_every_schema_series_and_offers_the_model()
    {
        await SeedCandlesAsync();
        using var service = Service(retrainAfterPivots: 3);
        await StartAsync(service);

        // Counted: level 2 (the default label level) on ETHUSDT. Not counted: level 1, and BTCUSDT.
        _state.RaisePivot(Pivot("ETHUSDT", 2));
        _state.RaisePivot(Pivot("ETHUSDT", 1));
        _state.RaisePivot(Pivot("BTCUSDT", 2));
        _state.RaisePivot(Pivot("ETHUSDT", 2, Now - (2 * Hour)));
        await Until(() => service.Status.ConfirmedPivotsSinceLastTraining == 2, "two counted pivots");
        Assert.Empty(_trainer.Requests);

        _state.RaisePivot(Pivot("ETHUSDT", 2, Now - (3 * Hour)));
        await Until(() => _trainer.Requests.Count == 1, "the retraining");
        await service.WaitForRunAsync();

        var request = Assert.Single(_trainer.Requests);
        // 1m: one day back from now = 1440 bars; 1h: ten days = 240 bars; the 1d series is not in the schema.
        var perSeries = request.Bars.GroupBy(b => (b.Symbol, b.Timeframe)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<(string, Timeframe), int>
            {
                [("ETHUSDT", Timeframe.OneMinute)] = 1440,
                [("BTCUSDT", Timeframe.OneMinute)] = 1440,
                [("ETHUSDT", Timeframe.OneHour)] = 240,
                [("BTCUSDT", Timeframe.OneHour)] = 240,
            },
            perSeries);
        Assert.Equal(Now - Day, request.Bars.Where(b => b.Timeframe == Timeframe.OneMinute).Min(b => b.OpenTimeMs));
        Assert.True(request.Bars.Zip(request.Bars.Skip(1)).All(p => p.First.CloseTimeMs <= p.Second.CloseTimeMs), "bars in close order");
        Assert.Same(_state.Schema!.Settings, request.Features);
        Assert.Equal(PivotLabelSettings.Default, request.Labels);
        Assert.Equal(("cnn-pivot-20241003T000000Z", 3, "pivots", _models), (request.ModelName, request.Epochs, request.Trigger, request.OutputDirectory));

        var onnx = Path.Combine(_models, "cnn-pivot-20241003T000000Z.onnx");
        Assert.Equal([onnx], _registry.Offers);
        var alert = Assert.Single(_alerts.Recent());
        Assert.Equal((AlertSeverity.Info, "models"), (alert.Severity, alert.Category));
        Assert.Contains("promoted", alert.Message, StringComparison.Ordinal);

        var status = service.Status;
        Assert.False(status.Running);
        Assert.Equal(0, status.ConfirmedPivotsSinceLastTraining);
        Assert.Equal(("run-1", DateTimeOffset.FromUnixTimeMilliseconds(Now)), (status.LastRunId, status.LastRunAt));
        Assert.StartsWith("promoted cnn-pivot-20241003T000000Z", status.LastMessage, StringComparison.Ordinal);
        var outcome = Assert.Single(_audit.Entries);
        Assert.Equal(("system", ContinualLearningService.AuditOutcomeAction, true), (outcome.Actor, outcome.Action, outcome.Allowed));

        // Two more pivots: counted toward the next run, which is not due; the count and last run survive a restart.
        _state.RaisePivot(Pivot("ETHUSDT", 2, Now - (4 * Hour)));
        _state.RaisePivot(Pivot("ETHUSDT", 2, Now - (5 * Hour)));
        await Until(() => service.Status.ConfirmedPivotsSinceLastTraining == 2, "the next count");
        await service.StopAsync(CancellationToken.None);
        Assert.Single(_trainer.Requests);

        using var restarted = Service(retrainAfterPivots: 3, database: _db.Open());
        Assert.Equal((2, "run-1"), (restarted.Status.ConfirmedPivotsSinceLastTraining, restarted.Status.LastRunId));
        Assert.StartsWith("promoted", restarted.Status.LastMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_request_retrains_and_both_the_request_and_its_outcome_are_audited()
    {
        await SeedCandlesAsync();
        using var service = Service(retrainAfterPivots: 0);
        await StartAsync(service);
        var changes = 0;
        using var subscription = service.Subscribe(() => Interlocked.Increment(ref changes));

        // With RetrainAfterPivots 0 pivots are counted but never start a run.
        _state.RaisePivot(Pivot("ETHUSDT", 2));
        await Until(() => service.Status.ConfirmedPivotsSinceLastTraining == 1, "the count");
        Assert.Empty(_trainer.Requests);

        var answer = await service.RequestRetrainAsync(Admin, CancellationToken.None);
        Assert.StartsWith("started", answer, StringComparison.Ordinal);
        await service.WaitForRunAsync();
        Assert.Equal("admin:alice", Assert.Single(_trainer.Requests).Trigger);
        Assert.Single(_registry.Offers);

        var entries = _audit.Entries;
        Assert.Equal(2, entries.Count);
        Assert.Equal(("alice", ContinualLearningService.AuditAction, answer, true), (entries[0].Actor, entries[0].Action, entries[0].After, entries[0].Allowed));
        Assert.Equal(("alice", ContinualLearningService.AuditOutcomeAction, true), (entries[1].Actor, entries[1].Action, entries[1].Allowed));
        Assert.StartsWith("promoted", entries[1].After, StringComparison.Ordinal);
        Assert.True(Volatile.Read(ref changes) >= 2);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_viewer_request_is_refused_and_audited()
    {
        using var service = Service(retrainAfterPivots: 0);
        await StartAsync(service);
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.RequestRetrainAsync(Viewer, CancellationToken.None));
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.RequestRetrainAsync(Actor.Anonymous("10.0.0.1"), CancellationToken.None));
        Assert.Empty(_trainer.Requests);
        Assert.Equal([("victor", false), ("anonymous", false)], _audit.Entries.Select(e => (e.Actor, e.Allowed)));
        Assert.All(_audit.Entries, e => Assert.Equal(ContinualLearningService.AuditAction, e.Action));
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_second_request_while_a_run_is_in_progress_is_answered_already_running()
    {
        await SeedCandlesAsync();
        _trainer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var service = Service(retrainAfterPivots: 0);
        await StartAsync(service);

        Assert.StartsWith("started", await service.RequestRetrainAsync(Admin, CancellationToken.None), StringComparison.Ordinal);
        await Until(() => _trainer.Requests.Count == 1, "the first run");
        Assert.True(service.Status.Running);
        Assert.Equal(ContinualLearningService.AlreadyRunning, await service.RequestRetrainAsync(Admin, CancellationToken.None));

        _trainer.Gate.SetResult();
        await service.WaitForRunAsync();
        Assert.False(service.Status.Running);
        Assert.Single(_trainer.Requests);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_failing_trainer_or_a_refusing_gate_raises_a_warning_and_the_process_keeps_running()
    {
        await SeedCandlesAsync();
        _trainer.Behaviour = _ => throw new InvalidOperationException("out of memory in the GRU");
        using var service = Service(retrainAfterPivots: 0);
        await StartAsync(service);

        Assert.StartsWith("started", await service.RequestRetrainAsync(Admin, CancellationToken.None), StringComparison.Ordinal);
        await service.WaitForRunAsync();
        var alert = Assert.Single(_alerts.Recent());
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Contains("out of memory in the GRU", alert.Message, StringComparison.Ordinal);
        Assert.Equal(ProcessState.Running, service.GetInfo().State);
        Assert.Contains("out of memory in the GRU", service.Status.LastMessage, StringComparison.Ordinal);
        Assert.Empty(_registry.Offers);

        // The trainer reports a failure without throwing.
        _trainer.Behaviour = _ => new RetrainResult(false, null, "run-2", "validation loss is NaN");
        await service.RequestRetrainAsync(Admin, CancellationToken.None);
        await service.WaitForRunAsync();
        Assert.Equal(AlertSeverity.Warning, _alerts.Recent()[0].Severity);
        Assert.Contains("validation loss is NaN", _alerts.Recent()[0].Message, StringComparison.Ordinal);

        // Trained, but the gate keeps the current model.
        _trainer.Behaviour = r => new RetrainResult(true, Path.Combine(r.OutputDirectory, r.ModelName + ".onnx"), "run-3", "completed");
        _registry.OfferResult = _ => new PromotionResult(false, "gate score 0.31 is below the active model's 0.35");
        await service.RequestRetrainAsync(Admin, CancellationToken.None);
        await service.WaitForRunAsync();
        Assert.Equal(AlertSeverity.Warning, _alerts.Recent()[0].Severity);
        Assert.Contains("refused by the validation gate", _alerts.Recent()[0].Message, StringComparison.Ordinal);
        Assert.Single(_registry.Offers);
        Assert.Equal("run-3", service.Status.LastRunId);
        Assert.Equal(ProcessState.Running, service.GetInfo().State);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_a_trainer_the_status_and_the_request_say_so()
    {
        using var service = Service(retrainAfterPivots: 3, withTrainer: false);
        await StartAsync(service);
        Assert.Equal(ContinualLearningService.TrainerMissing, service.Status.LastMessage);
        Assert.Equal("trainer not available in this host", await service.RequestRetrainAsync(Admin, CancellationToken.None));
        Assert.True(Assert.Single(_audit.Entries).Allowed);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stopping_the_process_cancels_a_run_in_progress_and_records_it()
    {
        await SeedCandlesAsync();
        _trainer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var service = Service(retrainAfterPivots: 0);
        await StartAsync(service);
        await service.RequestRetrainAsync(Admin, CancellationToken.None);
        await Until(() => _trainer.Requests.Count == 1, "the run");

        await service.StopAsync(CancellationToken.None);
        Assert.False(service.Status.Running);
        Assert.StartsWith("cancelled", service.Status.LastMessage, StringComparison.Ordinal);
        Assert.StartsWith("the continual-learning process is not running", await service.RequestRetrainAsync(Admin, CancellationToken.None), StringComparison.Ordinal);
    }
}
