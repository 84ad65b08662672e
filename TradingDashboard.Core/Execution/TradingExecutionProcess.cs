using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// The execution stage: reconciles the order manager with its venue (retrying until the venue answers; nothing trades
/// before), then moves candles of the match timeframe from the candle cache to the paper exchange (closed candles
/// fill orders) and to the executor (marks, circuit breaker, stops, risk limits). Targets arrive through
/// <see cref="TradingExecutor.ApplyTargetAsync"/> from the orchestrator.
/// </summary>
public sealed partial class TradingExecutionProcess : ManagedProcess
{
    private readonly TradingExecutor _executor;
    private readonly IReadOnlyList<string> _symbols;
    private readonly Timeframe _matchTimeframe;
    private readonly ICandleCache? _candles;
    private long _dropped;

    public TradingExecutionProcess(TradingExecutor executor, IReadOnlyList<string> symbols, Timeframe matchTimeframe, ICandleCache? candles, TimeProvider timeProvider, ILogger<TradingExecutionProcess> logger)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(executor);
        _executor = executor;
        _symbols = symbols;
        _matchTimeframe = matchTimeframe;
        _candles = candles;
    }

    public override string Name => "trading-executor";

    public override string Description => "Orders, fills, positions, stops and risk limits on the configured venue";

    /// <summary>Candle updates lost because the stage fell behind (closed ones are also reported as errors).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _executor.Orders.ReconcileAsync(_symbols, stoppingToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ReportError($"reconciliation failed (attempt {attempt}): {ex.Message}");
                LogReconcileFailed(Logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, 5 * attempt)), TimeProvider, stoppingToken).ConfigureAwait(false);
            }
        }

        if (_candles is null)
        {
            LogNoCandles(Logger);
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider, stoppingToken).ConfigureAwait(false);
            return;
        }

        var channel = Channel.CreateBounded<OHLCVBar>(new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        using var subscription = _candles.Subscribe(bar =>
        {
            if (bar.Timeframe != _matchTimeframe)
            {
                return;
            }

            if (!channel.Writer.TryWrite(bar))
            {
                // Never block the cache's publisher; a lost closed candle is an error the System page shows.
                Interlocked.Increment(ref _dropped);
                if (bar.IsClosed)
                {
                    ReportError($"closed candle {bar.Symbol} {bar.OpenTime:O} dropped: the execution stage is behind");
                }
            }
        });

        var paper = _executor.Orders.Venue as PaperExchange;
        await foreach (var bar in channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            paper?.OnBar(bar);
            if (bar.IsClosed)
            {
                await _executor.OnBarAsync(bar, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await _executor.OnPriceAsync(bar.Symbol, bar.Close, DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(bar.ExchangeTimeMs, bar.OpenTimeMs)), stoppingToken).ConfigureAwait(false);
            }

            CountMessages();
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Reconciliation with the venue failed (attempt {Attempt}); retrying")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "No candle cache registered: the executor gets no prices (stops and limits idle)")]
    private static partial void LogNoCandles(ILogger logger);
}
