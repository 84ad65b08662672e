using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Ui;

/// <summary>What to backtest: a StrategyCatalog spec, the symbols, the candle timeframe and the period [From, To).</summary>
public sealed record BacktestRequest(string Strategy, IReadOnlyList<string> Symbols, Timeframe Timeframe, DateTimeOffset From, DateTimeOffset To);

public enum BacktestJobState
{
    Loading,
    Running,
    Completed,
    Canceled,
    Failed,
}

/// <summary>One close price for the trade chart (downsampled; the trade markers keep their exact prices).</summary>
public readonly record struct PricePoint(long TimeMs, double Close);

/// <summary>An immutable snapshot of one backtest job; every change publishes a new one.</summary>
/// <param name="TotalBars">Bars loaded from the candle store (0 while loading).</param>
/// <param name="Prices">Close prices per symbol for the trade chart, at most <see cref="BacktestJobService.MaxChartPoints"/> each.</param>
public sealed record BacktestJob(
    int Id,
    BacktestRequest Request,
    string StartedBy,
    DateTimeOffset StartedAt,
    BacktestJobState State,
    BacktestProgress Progress,
    long TotalBars,
    DateTimeOffset? FinishedAt,
    BacktestResult? Result,
    IReadOnlyDictionary<string, IReadOnlyList<PricePoint>> Prices,
    string? Error)
{
    public bool IsRunning => State is BacktestJobState.Loading or BacktestJobState.Running;

    /// <summary>Share of the loaded bars processed so far (0..1).</summary>
    public double Fraction => TotalBars <= 0 ? 0 : Math.Clamp(Progress.Bars / (double)TotalBars, 0, 1);
}

/// <summary>
/// Runs backtests for the dashboard in the background, one at a time, over the candles in the candle store. Launch and
/// cancel are admin only, checked here on the server and audited; anyone signed in may read the results. Results are
/// kept in memory only (the last <see cref="KeptJobs"/>): they are gone after a restart.
/// </summary>
public sealed class BacktestJobService : IDisposable
{
    /// <summary>How many finished jobs are kept for viewing.</summary>
    public const int KeptJobs = 5;

    /// <summary>Close prices kept per symbol for the trade chart: enough for a readable line, small for the circuit.</summary>
    public const int MaxChartPoints = 2_000;

    private readonly ICandleStore _candles;
    private readonly StrategyCatalog _catalog;
    private readonly ExecutionOptions _execution;
    private readonly RiskOptions _risk;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<BacktestJob> _jobs = [];
    private Action<BacktestJob>[] _subscribers = [];
    private CancellationTokenSource? _running;
    private Task _completion = Task.CompletedTask;
    private int _nextId;
    private bool _disposed;

    public BacktestJobService(
        ICandleStore candles,
        StrategyCatalog catalog,
        IOptions<ExecutionOptions> execution,
        IOptions<RiskOptions> risk,
        IAuditLog audit,
        TimeProvider time,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(time);
        _candles = candles;
        _catalog = catalog;
        _execution = execution.Value;
        _risk = risk.Value;
        _audit = audit;
        _time = time;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<BacktestJobService>();
    }

    public IReadOnlyCollection<string> StrategyNames => _catalog.Names;

    /// <summary>Symbols with venue rules (Trading:Execution:SymbolRules): the only ones a backtest can trade.</summary>
    public IReadOnlyList<string> KnownSymbols => _execution.ParsedSymbolRules().Select(r => r.Symbol).ToList();

    /// <summary>Jobs, newest first (the running one, if any, is first).</summary>
    public IReadOnlyList<BacktestJob> Jobs
    {
        get
        {
            lock (_gate)
            {
                return _jobs.AsEnumerable().Reverse().ToList();
            }
        }
    }

    public BacktestJob? Latest
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Count == 0 ? null : _jobs[^1];
            }
        }
    }

    /// <summary>Completes when the current job (if any) has finished; for shutdown and tests.</summary>
    public Task Completion
    {
        get
        {
            lock (_gate)
            {
                return _completion;
            }
        }
    }

    /// <summary>Calls <paramref name="handler"/> (on a pool thread) with every new job snapshot.</summary>
    public IDisposable Subscribe(Action<BacktestJob> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>
    /// Starts a backtest (admin only). Throws <see cref="AccessDeniedException"/> for anyone else,
    /// <see cref="ArgumentException"/> for a bad request and <see cref="InvalidOperationException"/> while another runs.
    /// </summary>
    public async Task<BacktestJob> StartAsync(Actor actor, BacktestRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var described = $"{request.Strategy} {string.Join(",", request.Symbols)} {request.Timeframe.ToCode()} {request.From:yyyy-MM-dd}..{request.To:yyyy-MM-dd}";
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, "backtest", described, null, null, allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"{actor.Name} may not launch backtests: admin role required.");
        }

        var (strategy, rules) = Validate(request);
        BacktestJob job;
        CancellationTokenSource cts;
        lock (_gate)
        {
            if (_running is not null)
            {
                throw new InvalidOperationException("A backtest is already running; cancel it or wait for it to finish.");
            }

            cts = new CancellationTokenSource();
            _running = cts;
            job = new BacktestJob(++_nextId, request, actor.Name, _time.GetUtcNow(), BacktestJobState.Loading, default, 0, null, null, new Dictionary<string, IReadOnlyList<PricePoint>>(), null);
            _jobs.Add(job);
            while (_jobs.Count > KeptJobs)
            {
                _jobs.RemoveAt(0);
            }

            _completion = Task.Run(() => RunAsync(job, strategy, rules, cts.Token), CancellationToken.None);
        }

        await _audit.RecordAsync(actor, "backtest", described, null, $"job {job.Id} started", allowed: true, cancellationToken).ConfigureAwait(false);
        Publish(job);
        return job;
    }

    /// <summary>Cancels the running backtest (admin only); false when none runs.</summary>
    public async Task<bool> CancelAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, "backtest-cancel", "backtest", null, null, allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"{actor.Name} may not cancel backtests: admin role required.");
        }

        CancellationTokenSource? running;
        lock (_gate)
        {
            running = _running;
        }

        if (running is null)
        {
            return false;
        }

        await running.CancelAsync().ConfigureAwait(false);
        await _audit.RecordAsync(actor, "backtest-cancel", "backtest", null, "canceled", allowed: true, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private (IStrategy Strategy, IReadOnlyList<SymbolRules> Rules) Validate(BacktestRequest request)
    {
        if (request.Symbols.Count == 0)
        {
            throw new ArgumentException("Choose at least one symbol.", nameof(request));
        }

        if (request.To <= request.From)
        {
            throw new ArgumentException($"The period is empty: {request.From:yyyy-MM-dd HH:mm} is not before {request.To:yyyy-MM-dd HH:mm}.", nameof(request));
        }

        var known = _execution.ParsedSymbolRules().ToDictionary(r => r.Symbol, StringComparer.Ordinal);
        var rules = new List<SymbolRules>();
        foreach (var symbol in request.Symbols.Distinct(StringComparer.Ordinal))
        {
            rules.Add(known.TryGetValue(symbol, out var r)
                ? r
                : throw new ArgumentException($"{symbol} has no venue rules (Trading:Execution:SymbolRules); known: {string.Join(", ", known.Keys)}.", nameof(request)));
        }

        return (_catalog.Create(request.Strategy, rules.Select(r => r.Symbol).ToList()), rules);
    }

    private async Task RunAsync(BacktestJob job, IStrategy strategy, IReadOnlyList<SymbolRules> rules, CancellationToken cancellationToken)
    {
        var request = job.Request;
        try
        {
            var bars = new List<OHLCVBar>();
            var prices = new Dictionary<string, IReadOnlyList<PricePoint>>(StringComparer.Ordinal);
            // The store's range is inclusive of its end; the request's end is exclusive.
            var toMs = request.To.ToUnixTimeMilliseconds() - 1;
            foreach (var rule in rules)
            {
                var series = await _candles.GetRangeAsync(rule.Symbol, request.Timeframe, request.From.ToUnixTimeMilliseconds(), toMs, null, cancellationToken).ConfigureAwait(false);
                bars.AddRange(series);
                prices[rule.Symbol] = Downsample(series);
            }

            if (bars.Count == 0)
            {
                Finish(job with { State = BacktestJobState.Failed, FinishedAt = _time.GetUtcNow(), Error = $"No stored {request.Timeframe.ToCode()} candles for {string.Join(", ", rules.Select(r => r.Symbol))} in this period." });
                return;
            }

            // Time order across symbols, as the backtester requires; a stable sort keeps each symbol's order.
            var ordered = bars.OrderBy(b => b.OpenTimeMs).ThenBy(b => b.Symbol, StringComparer.Ordinal).ToList();
            job = job with { State = BacktestJobState.Running, TotalBars = ordered.Count, Prices = prices };
            Update(job);

            var options = new BacktestOptions
            {
                InitialCash = _execution.Paper.InitialCash,
                Currency = _execution.AccountCurrency,
                Paper = _execution.Paper,
                Risk = _risk,
                SymbolRules = rules,
                Symbols = rules.Select(r => r.Symbol).ToList(),
                EntryCashBuffer = _execution.EntryCashBuffer,
                ProgressEveryBars = Math.Max(1, ordered.Count / 100),
            };
            var running = job;
            var progress = new SyncProgress(p =>
            {
                running = running with { Progress = p };
                Update(running);
            });
            var result = await new Backtester(options, _loggerFactory).RunAsync(ordered, strategy, progress, cancellationToken).ConfigureAwait(false);
            Finish(running with { State = BacktestJobState.Completed, Progress = new BacktestProgress(result.Bars, running.Progress.TimeMs, (double)result.FinalEquity), FinishedAt = _time.GetUtcNow(), Result = result });
            TradingUiLog.BacktestFinished(_logger, job.Id, request.Strategy, result.Bars, (double)result.FinalEquity);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(Current(job.Id) with { State = BacktestJobState.Canceled, FinishedAt = _time.GetUtcNow() });
        }
#pragma warning disable CA1031 // A failed run is reported on its job; the service must accept the next one.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TradingUiLog.BacktestFailed(_logger, ex, job.Id, request.Strategy);
            Finish(Current(job.Id) with { State = BacktestJobState.Failed, FinishedAt = _time.GetUtcNow(), Error = ex.Message });
        }
    }

    private static List<PricePoint> Downsample(IReadOnlyList<OHLCVBar> series)
    {
        var step = Math.Max(1, (series.Count + MaxChartPoints - 1) / MaxChartPoints);
        var points = new List<PricePoint>(Math.Min(series.Count, MaxChartPoints + 1));
        for (var i = 0; i < series.Count; i += step)
        {
            points.Add(new PricePoint(series[i].CloseTimeMs, series[i].Close));
        }

        if (series.Count > 0 && (series.Count - 1) % step != 0)
        {
            points.Add(new PricePoint(series[^1].CloseTimeMs, series[^1].Close));
        }

        return points;
    }

    private BacktestJob Current(int id)
    {
        lock (_gate)
        {
            return _jobs.Last(j => j.Id == id);
        }
    }

    private void Update(BacktestJob job)
    {
        lock (_gate)
        {
            var index = _jobs.FindIndex(j => j.Id == job.Id);
            if (index >= 0)
            {
                _jobs[index] = job;
            }
        }

        Publish(job);
    }

    private void Finish(BacktestJob job)
    {
        lock (_gate)
        {
            _running?.Dispose();
            _running = null;
        }

        Update(job);
    }

    private void Publish(BacktestJob job)
    {
        Action<BacktestJob>[] subscribers;
        lock (_gate)
        {
            subscribers = _subscribers;
        }

        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(job);
            }
#pragma warning disable CA1031 // One failing page must not stop the others' updates or the job.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                TradingUiLog.SubscriberFailed(_logger, ex);
            }
        }
    }

    public void Dispose()
    {
        CancellationTokenSource? running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            running = _running;
        }

        // The job's own Finish disposes the token source; it may already have done so.
        try
        {
            running?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Reports synchronously on the backtest's thread (Progress&lt;T&gt; would post to a context).</summary>
    private sealed class SyncProgress(Action<BacktestProgress> report) : IProgress<BacktestProgress>
    {
        public void Report(BacktestProgress value) => report(value);
    }

    private sealed class Subscription(BacktestJobService owner, Action<BacktestJob> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._subscribers = owner._subscribers.Where(s => s != handler).ToArray();
            }
        }
    }
}

/// <summary>Source-generated log messages of the trading and backtest pages' services.</summary>
internal static partial class TradingUiLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Backtest {Job} ({Strategy}) finished: {Bars} bars, final equity {Equity}")]
    public static partial void BacktestFinished(ILogger logger, int job, string strategy, long bars, double equity);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Backtest {Job} ({Strategy}) failed")]
    public static partial void BacktestFailed(ILogger logger, Exception exception, int job, string strategy);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "A backtest job subscriber failed")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Trading action {Action} by {User} refused")]
    public static partial void ActionDenied(ILogger logger, string action, string user);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Error, Message = "Trading action {Action} by {User} failed")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string action, string user);
}

public static class BacktestJobServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BacktestJobService"/> (singleton) for the Backtests page. Needs ICandleStore, StrategyCatalog,
    /// the "Trading:Execution" and "Trading:Risk" options and IAuditLog (AddMarketData, AddTradingCore, AddTradingSecurity).
    /// </summary>
    public static IServiceCollection AddBacktestJobs(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<BacktestJobService>();
        return services;
    }
}
