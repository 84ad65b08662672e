using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Core.Strategies;

/// <summary>
/// The live rule expert stage ("strategy-rule"): warms the expert up on the candle cache's closed candles of the
/// primary symbol's configured timeframe, then runs it on each new closed candle and sends its targets to the
/// <see cref="TradingExecutor"/> (paper unless Trading:Execution says Live). The logic lives in
/// <see cref="StrategyRunner"/> and <see cref="PivotBreakoutStrategy"/>.
/// </summary>
public sealed partial class RuleStrategyProcess : ManagedProcess
{
    private readonly Func<IStrategy> _createStrategy;
    private readonly TradingExecutor _executor;
    private readonly ICandleCache? _candles;
    private readonly string _symbol;
    private readonly Timeframe _timeframe;
    private readonly RuleStrategyOptions _options;
    private long _dropped;
    private StrategyRunner? _runner;

    /// <param name="createStrategy">A fresh strategy per run (a restart warms up again from the cache).</param>
    public RuleStrategyProcess(Func<IStrategy> createStrategy, TradingExecutor executor, ICandleCache? candles, string symbol, RuleStrategyOptions options, TimeProvider timeProvider, ILogger<RuleStrategyProcess> logger)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(createStrategy);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        _createStrategy = createStrategy;
        _executor = executor;
        _candles = candles;
        _symbol = symbol;
        _options = options;
        _timeframe = TimeframeExtensions.Parse(options.Timeframe);
    }

    public override string Name => "strategy-rule";

    public override string Description => $"Rule expert (level-{_options.Level} pivot breaks) on {_symbol} {_options.Timeframe}: targets to the trading executor";

    public override bool AutoStart => _options.AutoStart;

    /// <summary>Closed candles lost because the stage fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The current run's runner (null before the first start).</summary>
    public StrategyRunner? Runner => Volatile.Read(ref _runner);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (_candles is null)
        {
            ReportError("no candle cache registered: the rule expert gets no candles");
            LogNoCandles(Logger);
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider, stoppingToken).ConfigureAwait(false);
            return;
        }

        var runner = new StrategyRunner(_createStrategy(), _executor, TimeProvider);
        Volatile.Write(ref _runner, runner);
        var channel = Channel.CreateBounded<OHLCVBar>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        // Subscribe before reading the warm-up so no candle closes unseen in between; the runner skips repeats.
        using var subscription = _candles.Subscribe(bar =>
        {
            if (!bar.IsClosed || bar.Timeframe != _timeframe || !string.Equals(bar.Symbol, _symbol, StringComparison.Ordinal))
            {
                return;
            }

            if (!channel.Writer.TryWrite(bar))
            {
                // Never block the cache's publisher; a lost decision candle is an error the System page shows.
                Interlocked.Increment(ref _dropped);
                ReportError($"closed candle {bar.Symbol} {bar.OpenTime:O} dropped: the rule expert is behind");
            }
        });

        if (_options.WarmupBars > 0)
        {
            var history = _candles.GetBars(_symbol, _timeframe, _options.WarmupBars + 1);
            foreach (var bar in history)
            {
                await runner.OnClosedBarAsync(bar, warmup: true, stoppingToken).ConfigureAwait(false);
            }

            LogWarmedUp(Logger, _symbol, _options.Timeframe, runner.BarsSeen);
        }

        await foreach (var bar in channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var outcome = await runner.OnClosedBarAsync(bar, warmup: false, stoppingToken).ConfigureAwait(false);
                if (outcome is not null)
                {
                    LogTarget(Logger, outcome.Target.Symbol, outcome.Target.TargetFraction, outcome.Action, outcome.Reason, outcome.Target.Reason);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ReportError($"rule expert failed on {bar.Symbol} {bar.OpenTime:O}: {ex.Message}");
                LogBarFailed(Logger, ex, bar.Symbol, bar.OpenTimeMs);
            }

            CountMessages();
        }
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "No candle cache registered: the rule expert stage is idle")]
    private static partial void LogNoCandles(ILogger logger);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "Rule expert warmed up on {Bars} closed {Symbol} {Timeframe} candles")]
    private static partial void LogWarmedUp(ILogger logger, string symbol, string timeframe, long bars);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "Rule expert target {Symbol} {Fraction}: {Action} ({Outcome}); because {Why}")]
    private static partial void LogTarget(ILogger logger, string symbol, decimal fraction, TargetAction action, string outcome, string why);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Error, Message = "Rule expert failed on {Symbol} candle {OpenTimeMs}")]
    private static partial void LogBarFailed(ILogger logger, Exception exception, string symbol, long openTimeMs);
}
