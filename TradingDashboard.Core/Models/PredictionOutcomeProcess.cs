using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The "prediction-outcomes" stage: hands predictions, confirmed pivots and closed candles of the primary symbol to the
/// <see cref="PredictionOutcomeTracker"/> on one loop. Handlers only write into the stage's bounded queue; an event the
/// queue cannot take is counted (a lost candle leaves a gap, and the predictions that need it expire, never mislabelled).
/// </summary>
public sealed partial class PredictionOutcomeProcess : ManagedProcess
{
    public const string ProcessName = "prediction-outcomes";

    private const int MaxBatch = 4096;

    /// <summary>Closed candles read from the cache at start, per timeframe (the store fills in older ones pending items need).</summary>
    private const int WarmBars = 2000;

    private readonly PredictionOutcomeTracker _tracker;
    private readonly IDataProcessorState _processor;
    private readonly ICandleCache? _cache;
    private readonly IPredictionFeed? _feed;
    private readonly IModelRegistry? _registry;
    private readonly ICandleStore? _candleStore;
    private readonly IPivotStore? _pivotStore;
    private readonly PredictionOutcomeOptions _options;
    private readonly string _primarySymbol;
    private long _lost;
    private int _tickQueued;

    public PredictionOutcomeProcess(
        PredictionOutcomeTracker tracker,
        IDataProcessorState processor,
        ICandleCache? cache,
        IPredictionFeed? feed,
        IModelRegistry? registry,
        ICandleStore? candleStore,
        IPivotStore? pivotStore,
        IOptions<PredictionOutcomeOptions> options,
        IOptions<TradingOptions> trading,
        TimeProvider timeProvider,
        ILogger<PredictionOutcomeProcess> logger)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trading);
        _tracker = tracker;
        _processor = processor;
        _cache = cache;
        _feed = feed;
        _registry = registry;
        _candleStore = candleStore;
        _pivotStore = pivotStore;
        _options = options.Value;
        _primarySymbol = trading.Value.PrimarySymbol;
    }

    public override string Name => ProcessName;

    public override string Description => "Matches live predictions with the pivots confirmed later (rolling precision and recall)";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        var writer = channel.Writer;
        void Offer(object item)
        {
            if (!writer.TryWrite(item))
            {
                Interlocked.Increment(ref _lost);
            }
        }

        // Subscribe before loading and seeding, so nothing published meanwhile is missed (duplicates are harmless).
        using var predictions = _feed?.Subscribe(Offer);
        using var pivots = _processor.SubscribePivots(p =>
        {
            if (string.Equals(p.Symbol, _primarySymbol, StringComparison.Ordinal))
            {
                Offer(p);
            }
        });
        using var bars = _cache?.Subscribe(b =>
        {
            if (b.IsClosed && string.Equals(b.Symbol, _primarySymbol, StringComparison.Ordinal))
            {
                Offer(new ClosedBar(b.Timeframe, b.OpenTimeMs));
            }
        });
        using var status = _processor.Subscribe(_ =>
        {
            // One wake-up at a time is enough: the loop reads the newest status when it runs.
            if (Interlocked.Exchange(ref _tickQueued, 1) == 0 && !writer.TryWrite(Tick.Instance))
            {
                Volatile.Write(ref _tickQueued, 0);
            }
        });

        if (_feed is null)
        {
            ReportError("No prediction feed in this host: there are no predictions to score.");
        }

        _tracker.Load();
        await SeedAsync(stoppingToken);
        _tracker.Advance(ProcessedThrough);
        LogStarted(Logger, _tracker.Pending, _primarySymbol);

        var reader = channel.Reader;
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            var handled = 0;
            while (handled < MaxBatch && reader.TryRead(out var item))
            {
                Handle(item);
                handled++;
            }

            var lost = Interlocked.Exchange(ref _lost, 0);
            if (lost > 0)
            {
                _tracker.CountIgnored((int)Math.Min(int.MaxValue, lost));
                ReportError($"{lost} events lost: the queue of {_options.ChannelCapacity} was full.");
            }

            try
            {
                _tracker.Advance(ProcessedThrough);
            }
            catch (SqliteException ex)
            {
                LogStoreFailed(Logger, ex);
                ReportError($"Saving prediction outcomes failed: {ex.Message}");
            }

            CountMessages(handled);
        }
    }

    private void Handle(object item)
    {
        switch (item)
        {
            case ClosedBar bar:
                _tracker.AddClosedBar(_primarySymbol, bar.Timeframe, bar.OpenTimeMs);
                break;
            case PivotPoint pivot:
                _tracker.AddPivot(pivot);
                break;
            case CNNPrediction prediction:
                AddPrediction(prediction);
                break;
            case Tick:
                Volatile.Write(ref _tickQueued, 0);
                break;
        }
    }

    private void AddPrediction(CNNPrediction prediction)
    {
        if (!string.Equals(prediction.Symbol, _primarySymbol, StringComparison.Ordinal))
        {
            // Pivots are kept for the primary symbol only.
            _tracker.CountIgnored();
            return;
        }

        var labels = _registry?.Models.FirstOrDefault(m => string.Equals(m.Name, prediction.ModelName, StringComparison.Ordinal))?.Card.Labels;
        if (labels is null)
        {
            LogUnknownModel(Logger, prediction.ModelName);
            _tracker.CountIgnored();
            return;
        }

        try
        {
            _tracker.AddPrediction(prediction, labels);
        }
        catch (SqliteException ex)
        {
            LogStoreFailed(Logger, ex);
            ReportError($"Saving a pending prediction failed: {ex.Message}");
        }
    }

    /// <summary>After a restart: closed bars and pivots from the cache, the processor and the stores, back to the earliest bar a pending item needs.</summary>
    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var timeframe in TimeframeExtensions.All)
        {
            foreach (var bar in _cache?.GetBars(_primarySymbol, timeframe, WarmBars) ?? [])
            {
                if (bar.IsClosed)
                {
                    _tracker.AddClosedBar(_primarySymbol, timeframe, bar.OpenTimeMs);
                }
            }

            foreach (var pivot in _processor.GetPivots(_primarySymbol, timeframe))
            {
                _tracker.AddPivot(pivot);
            }
        }

        var nowMs = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (symbol, timeframe, fromMs) in _tracker.PendingSeries())
        {
            if (_candleStore is not null)
            {
                foreach (var bar in await _candleStore.GetRangeAsync(symbol, timeframe, fromMs, nowMs, cancellationToken: cancellationToken))
                {
                    _tracker.AddClosedBar(symbol, timeframe, bar.OpenTimeMs);
                }
            }

            if (_pivotStore is not null)
            {
                foreach (var pivot in await _pivotStore.LoadAsync(symbol, timeframe, fromMs, limit: 100_000, cancellationToken: cancellationToken))
                {
                    _tracker.AddPivot(pivot);
                }
            }
        }
    }

    private long? ProcessedThrough(string symbol, Timeframe timeframe)
    {
        foreach (var series in _processor.Current.Series)
        {
            if (series.Timeframe == timeframe && string.Equals(series.Symbol, symbol, StringComparison.Ordinal))
            {
                return series.LastOpenTimeMs;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prediction outcomes started for {Symbol}: {Pending} predictions pending")]
    private static partial void LogStarted(ILogger logger, int pending, string symbol);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Prediction of model {Model} not tracked: the registry has no card for it")]
    private static partial void LogUnknownModel(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Prediction outcome store failed")]
    private static partial void LogStoreFailed(ILogger logger, Exception error);

    private sealed record ClosedBar(Timeframe Timeframe, long OpenTimeMs);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
