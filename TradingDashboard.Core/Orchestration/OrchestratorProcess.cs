using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The "orchestrator" stage (off by default): replays the candle cache's closed candles of the decision timeframe
/// through the <see cref="Orchestrator"/> (votes scored, nothing traded), then decides on each new closed candle,
/// publishes every decision to the <see cref="OrchestratorFeed"/>, and, when Trading:Orchestrator:Trades is on, sends
/// entry and exit targets to the <see cref="TradingExecutor"/> (paper unless Trading:Execution says Live). While the
/// "strategy-rule" stage runs, targets are blocked and counted so the two never trade the same account at once.
/// </summary>
public sealed partial class OrchestratorProcess : ManagedProcess
{
    private readonly Orchestrator _orchestrator;
    private readonly OrchestratorFeed _feed;
    private readonly TradingExecutor? _executor;
    private readonly ICandleCache? _candles;
    private readonly IReadOnlyList<string> _symbols;
    private readonly Timeframe _timeframe;
    private readonly OrchestratorOptions _options;
    private readonly Func<bool> _otherTraderRunning;
    private long _dropped;
    private long _blocked;
    private readonly HashSet<(string Symbol, long OpenTimeMs)> _seen = [];
    private readonly IDecisionOutcomeStore? _outcomes;
    private readonly string _mode;
    private readonly PnlAttribution _attribution;

    /// <param name="otherTraderRunning">True while another stage trades the account (the rule expert's "strategy-rule").</param>
    /// <param name="outcomes">Where live decisions are recorded with their realized forward returns (null: not recorded).</param>
    /// <param name="mode">"paper" or "live" (Trading:Execution:Mode), stored with each recorded decision.</param>
    public OrchestratorProcess(
        Orchestrator orchestrator,
        OrchestratorFeed feed,
        TradingExecutor? executor,
        ICandleCache? candles,
        IReadOnlyList<string> symbols,
        OrchestratorOptions options,
        Func<bool> otherTraderRunning,
        TimeProvider timeProvider,
        ILogger<OrchestratorProcess> logger,
        IDecisionOutcomeStore? outcomes = null,
        string mode = "paper")
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(otherTraderRunning);
        _orchestrator = orchestrator;
        _feed = feed;
        _executor = executor;
        _candles = candles;
        _symbols = symbols;
        _options = options;
        _otherTraderRunning = otherTraderRunning;
        _timeframe = TimeframeExtensions.Parse(options.Timeframe);
        _outcomes = outcomes;
        _mode = mode;
        _attribution = new PnlAttribution(options.AttributionFeeRate);
    }

    public override string Name => "orchestrator";

    public override string Description =>
        $"Mixture of experts ({string.Join(", ", _orchestrator.Experts.Select(e => e.Name))}; gate {_orchestrator.Gate.Name}) on {string.Join(",", _symbols)} {_options.Timeframe}: "
        + (_options.Trades ? "trades through the executor" : "advisory (Trading:Orchestrator:Trades is off)");

    public override bool AutoStart => _options.AutoStart;

    /// <summary>Closed candles lost because the stage fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Targets not sent because another stage was trading.</summary>
    public long Blocked => Interlocked.Read(ref _blocked);

    /// <summary>The experts' parts of the orchestrator's closed trades (live decisions only), merged into the leaderboard.</summary>
    public PnlAttribution Attribution => _attribution;

    /// <summary>Decides on one closed candle and acts on the decision (the loop body; public for tests).</summary>
    public async Task<OrchestratorDecision?> OnClosedBarAsync(OHLCVBar bar, bool warmup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bar);
        if (!bar.IsClosed || bar.Timeframe != _timeframe || !_symbols.Contains(bar.Symbol, StringComparer.Ordinal))
        {
            return null;
        }

        // Repeats (the cache replaying a candle seen in the warm-up) are skipped, per symbol.
        if (!_seen.Add((bar.Symbol, bar.OpenTimeMs)))
        {
            return null;
        }

        TrimSeen(bar.OpenTimeMs);

        // This close may be the horizon bar of recorded decisions (warm-up bars too: they resolve what was pending at shutdown).
        _outcomes?.Resolve(bar, TimeProvider.GetUtcNow());
        var position = _executor?.Orders.Positions.QuantityOf(bar.Symbol) ?? 0m;
        var decision = _orchestrator.Decide(bar, position, TimeProvider.GetUtcNow(), warmup);
        if (warmup)
        {
            return decision;
        }

        decision = decision with { Execution = await ExecuteAsync(decision, cancellationToken).ConfigureAwait(false) };
        _attribution.Observe(decision);
        _feed.Publish(decision, _attribution.Merge(_orchestrator.Scoreboard.Snapshot()), _orchestrator.Stats, _attribution.LastTrade);
        if (_outcomes is not null && decision.Context is { } context)
        {
            _outcomes.Record(
                new DecisionOutcome(context, decision.Gate, decision.Votes.Select(v => v.Weight).ToArray(), decision.Action.Action, decision.Action.Confidence, decision.Kind, _mode, bar.Close, _options.ScoreHorizonBars, null, null),
                bar.OpenTimeMs,
                _timeframe.DurationMs());
        }
        if (decision.Target is not null)
        {
            LogDecision(Logger, decision.Action.Symbol, decision.Action.Action, decision.Action.Confidence, decision.Execution ?? string.Empty, decision.Action.Reason);
        }

        return decision;
    }

    private void TrimSeen(long openTimeMs)
    {
        // Only recent bars can repeat (a cache replay after warm-up): forget those far behind.
        if (_seen.Count > 4 * Math.Max(1, _options.WarmupBars) + 1024)
        {
            var horizon = openTimeMs - ((long)(_options.WarmupBars + 16) * _timeframe.DurationMs());
            _seen.RemoveWhere(k => k.OpenTimeMs < horizon);
        }
    }

    private async Task<string?> ExecuteAsync(OrchestratorDecision decision, CancellationToken cancellationToken)
    {
        if (decision.Target is not { } target)
        {
            return null;
        }

        if (!_options.Trades)
        {
            return "advisory: Trading:Orchestrator:Trades is off";
        }

        if (_executor is null)
        {
            return "not sent: no trading executor registered";
        }

        if (_otherTraderRunning())
        {
            Interlocked.Increment(ref _blocked);
            return "blocked: the strategy-rule stage is trading";
        }

        var outcome = await _executor.ApplyTargetAsync(target, cancellationToken).ConfigureAwait(false);
        return $"{outcome.Action}: {outcome.Reason}";
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (_candles is null)
        {
            ReportError("no candle cache registered: the orchestrator gets no candles");
            LogNoCandles(Logger);
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider, stoppingToken).ConfigureAwait(false);
            return;
        }

        var channel = Channel.CreateBounded<OHLCVBar>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        // Subscribe before reading the warm-up so no candle closes unseen in between; repeats are skipped.
        using var subscription = _candles.Subscribe(bar =>
        {
            if (!bar.IsClosed || bar.Timeframe != _timeframe || !_symbols.Contains(bar.Symbol, StringComparer.Ordinal))
            {
                return;
            }

            if (!channel.Writer.TryWrite(bar))
            {
                Interlocked.Increment(ref _dropped);
                ReportError($"closed candle {bar.Symbol} {bar.OpenTime:O} dropped: the orchestrator is behind");
            }
        });

        if (_options.WarmupBars > 0)
        {
            // Symbols interleaved in time order, so the scoreboard and experts see history as it happened.
            var history = _symbols
                .SelectMany(s => _candles.GetBars(s, _timeframe, _options.WarmupBars + 1))
                .Where(b => b.IsClosed)
                .OrderBy(b => b.OpenTimeMs)
                .ThenBy(b => b.Symbol, StringComparer.Ordinal)
                .ToList();
            foreach (var bar in history)
            {
                await OnClosedBarAsync(bar, warmup: true, stoppingToken).ConfigureAwait(false);
            }

            LogWarmedUp(Logger, history.Count, _options.Timeframe);
        }

        await foreach (var bar in channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await OnClosedBarAsync(bar, warmup: false, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ReportError($"orchestrator failed on {bar.Symbol} {bar.OpenTime:O}: {ex.Message}");
                LogBarFailed(Logger, ex, bar.Symbol, bar.OpenTimeMs);
            }

            CountMessages();
        }
    }

    [LoggerMessage(EventId = 6611, Level = LogLevel.Warning, Message = "No candle cache registered: the orchestrator stage is idle")]
    private static partial void LogNoCandles(ILogger logger);

    [LoggerMessage(EventId = 6612, Level = LogLevel.Information, Message = "Orchestrator warmed up on {Bars} closed {Timeframe} candles")]
    private static partial void LogWarmedUp(ILogger logger, int bars, string timeframe);

    [LoggerMessage(EventId = 6613, Level = LogLevel.Information, Message = "Orchestrator {Symbol} {Action} confidence {Confidence}: {Execution}; because {Reason}")]
    private static partial void LogDecision(ILogger logger, string symbol, Reinforcement.AgentAction action, double confidence, string execution, string reason);

    [LoggerMessage(EventId = 6614, Level = LogLevel.Error, Message = "Orchestrator failed on {Symbol} candle {OpenTimeMs}")]
    private static partial void LogBarFailed(ILogger logger, Exception exception, string symbol, long openTimeMs);
}
