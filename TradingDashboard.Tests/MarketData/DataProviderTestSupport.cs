using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Storage;

namespace TradingDashboard.Tests.MarketData;

/// <summary>Deterministic history: every period has a candle whose prices depend only on its open time.</summary>
public static class HistoryGenerator
{
    public static OHLCVBar Bar(string source, string symbol, Timeframe timeframe, long openMs)
    {
        var k = (openMs / timeframe.DurationMs()) % 1000;
        var open = 1000.0 + k;
        return new OHLCVBar(source, symbol, timeframe, openMs, open, open + 2 + (k % 3), open - 1 - (k % 2), open + 1, 1 + (k % 5), IsClosed: true)
        {
            QuoteVolume = open * (1 + (k % 5)),
            TradeCount = 10 + k,
            ExchangeTimeMs = openMs + timeframe.DurationMs() - 1,
            ReceivedTimeMs = openMs + timeframe.DurationMs() - 1,
        };
    }

    public static IReadOnlyList<OHLCVBar> Range(string source, string symbol, Timeframe timeframe, long fromMs, long toMs)
    {
        var duration = timeframe.DurationMs();
        var bars = new List<OHLCVBar>();
        for (var t = timeframe.BucketStart(fromMs + duration - 1); t <= toMs; t += duration)
        {
            bars.Add(Bar(source, symbol, timeframe, t));
        }

        return bars;
    }
}

/// <summary>
/// A market data source driven step by step by the test: each <see cref="SendAsync"/> runs one sink call inside the
/// current stream session and completes when the sink call has returned.
/// </summary>
public sealed class ScriptedSource(string name, MarketDataCapabilities capabilities) : IMarketDataSource
{
    private readonly Lock _gate = new();
    private Channel<Step>? _steps;
    private int _sessions;
    private int _endedSessions;

    public static MarketDataCapabilities TradeCapabilities { get; } =
        new(StreamsTrades: true, StreamedKlineTimeframes: [], HistoricalTimeframes: [Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay]);

    public static MarketDataCapabilities KlineCapabilities { get; } =
        new(StreamsTrades: false, StreamedKlineTimeframes: [Timeframe.OneMinute], HistoricalTimeframes: [Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay]);

    public string Name { get; } = name;

    public MarketDataCapabilities Capabilities { get; } = capabilities;

    /// <summary>When set, StreamAsync throws it at once.</summary>
    public Exception? StreamFailure { get; set; }

    /// <summary>When true, history requests throw.</summary>
    public bool HistoryFails { get; set; }

    /// <summary>History served; the default is <see cref="HistoryGenerator"/>.</summary>
    public Func<string, Timeframe, long, long, IReadOnlyList<OHLCVBar>>? History { get; set; }

    public ConcurrentQueue<(string Symbol, Timeframe Timeframe, long From, long To)> HistoryRequests { get; } = new();

    public int Sessions => Volatile.Read(ref _sessions);

    public int EndedSessions => Volatile.Read(ref _endedSessions);

    public async Task StreamAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        var steps = Channel.CreateUnbounded<Step>();
        lock (_gate)
        {
            _steps = steps;
        }

        Interlocked.Increment(ref _sessions);
        try
        {
            if (StreamFailure is { } failure)
            {
                throw failure;
            }

            await foreach (var step in steps.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await step.Action(sink, cancellationToken);
                    step.Done.TrySetResult();
                }
#pragma warning disable CA1031 // The step's failure goes back to the test that sent it.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    step.Done.TrySetException(ex);
                    if (step.FailsStream)
                    {
                        throw;
                    }
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                if (_steps == steps)
                {
                    _steps = null;
                }
            }

            while (steps.Reader.TryRead(out var left))
            {
                left.Done.TrySetCanceled();
            }

            Interlocked.Increment(ref _endedSessions);
        }
    }

    public Task<IReadOnlyList<OHLCVBar>> GetHistoricalBarsAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        HistoryRequests.Enqueue((symbol, timeframe, fromMs, toMs));
        if (HistoryFails)
        {
            throw new HttpRequestException($"{Name} history is down");
        }

        if (!Capabilities.HistoricalTimeframes.Contains(timeframe))
        {
            return Task.FromResult<IReadOnlyList<OHLCVBar>>([]);
        }

        var bars = History?.Invoke(symbol, timeframe, fromMs, toMs) ?? HistoryGenerator.Range(Name, symbol, timeframe, fromMs, toMs);
        return Task.FromResult(bars);
    }

    /// <summary>Runs one sink call in the current session; completes when the call returned.</summary>
    public Task SendAsync(Func<IMarketDataSink, CancellationToken, ValueTask> action) => Post(action, failsStream: false);

    public Task TradeAsync(string symbol, long tradeId, double price, double quantity, long exchangeTimeMs) =>
        SendAsync((sink, ct) => sink.OnTradeAsync(new MarketTick(Name, symbol, tradeId, price, quantity, false, exchangeTimeMs, exchangeTimeMs + 5), ct));

    public Task KlineAsync(OHLCVBar bar) => SendAsync((sink, ct) => sink.OnKlineAsync(bar, ct));

    public Task ConnectionAsync(bool connected, string detail) => SendAsync((sink, ct) => sink.OnConnectionChangedAsync(Name, connected, detail, ct));

    /// <summary>Makes the current stream session throw.</summary>
    public Task FailStreamAsync(Exception exception) => Post((_, _) => throw exception, failsStream: true);

    private Task Post(Func<IMarketDataSink, CancellationToken, ValueTask> action, bool failsStream)
    {
        Channel<Step>? steps;
        lock (_gate)
        {
            steps = _steps;
        }

        if (steps is null)
        {
            throw new InvalidOperationException($"{Name} is not streaming.");
        }

        var step = new Step(action, failsStream);
        steps.Writer.TryWrite(step);
        return step.Done.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private sealed record Step(Func<IMarketDataSink, CancellationToken, ValueTask> Action, bool FailsStream)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A DataProvider on a temp SQLite file with a fake clock, plus helpers to wait for background work.</summary>
public sealed class DataProviderHarness : IAsyncDisposable
{
    public const string Symbol = "ETHUSDT";

    private readonly TempDatabase _db = new();
    private CancellationTokenSource? _cts;
    private Task? _run;

    public DataProviderHarness(DateTimeOffset start, IReadOnlyList<IMarketDataSource> sources, Action<TradingOptions>? configure = null)
    {
        Options = new TradingOptions
        {
            Symbols = [Symbol],
            Timeframes = ["1m", "1h"],
            MarketData = new MarketDataOptions
            {
                Sources = string.Join(",", sources.Select(s => s.Name)),
                SilenceTimeoutSeconds = 600,
                ProbeIntervalSeconds = 600,
                BackfillCandles = 10,
                CacheCandles = 3000,
            },
        };
        configure?.Invoke(Options);
        Time = new FakeTimeProvider(start);
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Store = new SqliteCandleStore(_db.Database);
        Cache = new CandleCache(options, NullLogger<CandleCache>.Instance);
        Queue = new CandleStoreQueue();
        Writer = new CandleStorageWriter(Queue, Store, NullLogger<CandleStorageWriter>.Instance);
        Status = new MarketDataStatusProvider(options, Cache, Time, NullLogger<MarketDataStatusProvider>.Instance);
        Alerts = new AlertService(Time, NullLogger<AlertService>.Instance);
        Metrics = new MarketDataMetrics();
        Provider = new DataProvider(options, sources, Store, Cache, Queue, Status, Alerts, Metrics, Time, NullLogger<DataProvider>.Instance);
    }

    public TradingOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public SqliteCandleStore Store { get; }

    public CandleCache Cache { get; }

    public CandleStoreQueue Queue { get; }

    public CandleStorageWriter Writer { get; }

    public MarketDataStatusProvider Status { get; }

    public AlertService Alerts { get; }

    public MarketDataMetrics Metrics { get; }

    public DataProvider Provider { get; }

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Start()
    {
        _cts = new CancellationTokenSource();
        _run = Provider.RunAsync(_cts.Token);
    }

    public async Task StopAsync()
    {
        if (_cts is null || _run is null)
        {
            return;
        }

        await _cts.CancelAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (OperationCanceledException)
        {
            // Normal stop.
        }

        _cts.Dispose();
        _cts = null;
        _run = null;
    }

    /// <summary>Writes everything queued for the store.</summary>
    public Task<int> FlushAsync() => Writer.DrainAsync(CancellationToken.None);

    public IReadOnlyList<OHLCVBar> Bars(Timeframe timeframe, string symbol = Symbol) => Cache.GetBars(symbol, timeframe, 10_000);

    /// <summary>Waits (real time) until <paramref name="condition"/> holds; background loops run on the thread pool.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var started = Environment.TickCount64;
        while (!condition())
        {
            if (Environment.TickCount64 - started > timeoutMs)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Advances the fake clock by <paramref name="step"/> at a time, letting the background loops run after each step,
    /// until <paramref name="condition"/> holds (at most <paramref name="maxSteps"/> steps).
    /// </summary>
    public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, int maxSteps, string what)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            if (condition())
            {
                return;
            }

            Time.Advance(step);
            // Give the woken loops a moment to run before judging.
            for (var spin = 0; spin < 40 && !condition(); spin++)
            {
                await Task.Delay(2);
            }
        }

        if (!condition())
        {
            throw new TimeoutException($"Condition not met after {maxSteps} steps of {step}: {what}.");
        }
    }

    /// <summary>Advances the clock to <paramref name="targetMs"/> in steps of at most a second, letting the loops run after each.</summary>
    public Task AdvanceToAsync(long targetMs) =>
        AdvanceAsync(TimeSpan.FromMilliseconds(Math.Max(0, targetMs - NowMs)), TimeSpan.FromSeconds(1));

    /// <summary>Advances the clock by <paramref name="total"/> in steps, letting the loops run after each.</summary>
    public async Task AdvanceAsync(TimeSpan total, TimeSpan step)
    {
        var remaining = total;
        while (remaining > TimeSpan.Zero)
        {
            var next = remaining < step ? remaining : step;
            Time.Advance(next);
            remaining -= next;
            await Task.Delay(3);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _db.Dispose();
    }
}
