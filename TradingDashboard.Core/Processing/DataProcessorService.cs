using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// The "data-processor" stage: takes closed candles from the candle cache, runs them through the
/// <see cref="DataProcessor"/> (indicators, pivots, feature frames), stores pivots in SQLite and publishes the state the
/// dashboard reads. Forming candles are not queued: the latest one per series is kept and its indicator values are
/// recomputed (peek) every FormingRefreshMilliseconds.
/// </summary>
public sealed partial class DataProcessorService : ManagedProcess
{
    /// <summary>Closed bars handled before the stage publishes its status and checks for a stop.</summary>
    private const int MaxBatchBars = 4096;

    public const string ProcessName = "data-processor";

    private readonly ICandleCache _cache;
    private readonly IPivotStore _store;
    private readonly DataProcessorState _state;
    private readonly DataProcessorOptions _options;
    private readonly TradingOptions _trading;
    private readonly ConcurrentDictionary<(string Symbol, Timeframe Timeframe), OHLCVBar> _forming = new();
    private long _dropped;
    private long _pivotsConfirmed;
    private int _formingDirty;

    public DataProcessorService(
        ICandleCache cache,
        IPivotStore store,
        DataProcessorState state,
        IOptions<DataProcessorOptions> options,
        IOptions<TradingOptions> trading,
        TimeProvider timeProvider,
        ILogger<DataProcessorService> logger)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trading);
        _cache = cache;
        _store = store;
        _state = state;
        _options = options.Value;
        _trading = trading.Value;
    }

    public override string Name => ProcessName;

    public override string Description => "Indicators, Williams pivots (levels 1-5) and feature frames from closed candles";

    public override bool AutoStart => _options.AutoStart;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var processor = new DataProcessor(DataProcessorSettings.From(_trading, _options));
        _state.Attach(processor);
        _forming.Clear();
        Interlocked.Exchange(ref _dropped, 0);
        _pivotsConfirmed = 0;
        var channel = Channel.CreateBounded<OHLCVBar>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            // Closed candles are never dropped silently: a full queue refuses the write and the loss is counted.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

        using var subscription = _cache.Subscribe(bar =>
        {
            if (bar.IsClosed)
            {
                if (!channel.Writer.TryWrite(bar))
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
            else
            {
                _forming[(bar.Symbol, bar.Timeframe)] = bar;
                Volatile.Write(ref _formingDirty, 1);
            }
        });

        var output = new ProcessorOutput();
        var pendingPivots = new List<PivotPoint>();

        // Warm start from the cache (closed bars only, in the order they closed); later duplicates are refused by the processor.
        var symbols = processor.Settings.Symbols;
        var backlog = symbols
            .SelectMany(s => processor.Settings.Timeframes.Select(tf => (s, tf)))
            .SelectMany(k => _cache.GetBars(k.s, k.tf, _options.HistoryBars).Where(b => b.IsClosed))
            .OrderBy(b => b.CloseTimeMs).ThenBy(b => b.Timeframe).ThenBy(b => symbols.ToList().IndexOf(b.Symbol))
            .ToList();
        foreach (var bar in backlog)
        {
            Handle(processor, bar, output, pendingPivots);
        }

        LogStarted(Logger, backlog.Count, processor.Schema?.Hash);
        await FlushAsync(processor, pendingPivots, stoppingToken);

        var reader = channel.Reader;
        var refresh = TimeSpan.FromMilliseconds(_options.FormingRefreshMilliseconds);
        Task<bool>? waiting = null;
        Task? tick = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            waiting ??= reader.WaitToReadAsync(stoppingToken).AsTask();
            tick ??= Task.Delay(refresh, TimeProvider, stoppingToken);
            var done = await Task.WhenAny(waiting, tick);
            stoppingToken.ThrowIfCancellationRequested();
            if (done == waiting)
            {
                waiting = null;
                var processed = 0;

                // Bounded batches: under a flood (replay at full speed) the status is still published, pivots saved and a
                // stop honoured between batches instead of after the queue runs dry.
                while (processed < MaxBatchBars && reader.TryRead(out var bar))
                {
                    Handle(processor, bar, output, pendingPivots);
                    processed++;
                }

                CountMessages(processed);
                await FlushAsync(processor, pendingPivots, stoppingToken);
            }
            else
            {
                tick = null;
                RefreshForming(processor);
            }
        }
    }

    private void Handle(DataProcessor processor, OHLCVBar bar, ProcessorOutput output, List<PivotPoint> pendingPivots)
    {
        output.Clear();
        if (!processor.Process(bar, output))
        {
            return;
        }

        pendingPivots.AddRange(output.Pivots);
        _pivotsConfirmed += output.Pivots.Count;
        foreach (var pivot in output.Pivots)
        {
            _state.PublishPivot(pivot);
        }

        foreach (var outcome in output.Frames)
        {
            if (outcome.Frame is { } frame)
            {
                _state.SetLatestFrame(frame);
            }
        }
    }

    private async Task FlushAsync(DataProcessor processor, List<PivotPoint> pendingPivots, CancellationToken cancellationToken)
    {
        if (pendingPivots.Count > 0 && _options.StorePivots)
        {
            try
            {
                await _store.SaveAsync(pendingPivots, cancellationToken);
            }
            catch (SqliteException ex)
            {
                LogStoreFailed(Logger, ex, pendingPivots.Count);
                ReportError($"Saving {pendingPivots.Count} pivots failed: {ex.Message}");
            }
        }

        pendingPivots.Clear();
        Publish(processor);
    }

    private void RefreshForming(DataProcessor processor)
    {
        if (Interlocked.Exchange(ref _formingDirty, 0) == 0)
        {
            return;
        }

        foreach (var ((symbol, timeframe), bar) in _forming)
        {
            var series = processor.GetSeries(symbol, timeframe);
            if (series?.History is not null && bar.OpenTimeMs > series.LastOpenTimeMs)
            {
                series.History.SetForming(series.PeekForming(bar));
            }
        }
    }

    private void Publish(DataProcessor processor)
    {
        var (unknown, outOfOrder, invalid) = processor.Rejected;
        var series = processor.Series.Select(s => new SeriesStatus(
            s.Symbol,
            s.Timeframe,
            s.Pivots.BarCount,
            s.Pivots.BarCount > 0 ? s.LastOpenTimeMs : null,
            Enumerable.Range(1, PivotSettings.Levels).Select(s.Pivots.GetTrend).ToList())).ToList();
        _state.Publish(new DataProcessorStatus(
            processor.Processed,
            unknown + outOfOrder + invalid,
            Interlocked.Read(ref _dropped),
            _pivotsConfirmed,
            processor.FrameCounts,
            processor.Schema?.Hash,
            series,
            TimeProvider.GetUtcNow()));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data processor started: {Backlog} cached closed candles replayed, feature schema {SchemaHash}")]
    private static partial void LogStarted(ILogger logger, int backlog, string? schemaHash);

    [LoggerMessage(Level = LogLevel.Error, Message = "Saving {Count} pivots to SQLite failed")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int count);
}
