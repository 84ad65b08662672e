using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Strategies;

/// <summary>
/// Runs one strategy live: each closed candle goes to <see cref="IStrategy.OnBar"/> and the target it returns goes to
/// <see cref="TradingExecutor.ApplyTargetAsync"/> (risk, stops, the configured venue: paper by default). The
/// strategy sees the executor's positions and equity. Warm-up bars update the strategy without trading. Not
/// thread-safe: one caller (the stage) in time order.
/// </summary>
public sealed class StrategyRunner
{
    private readonly IStrategy _strategy;
    private readonly TradingExecutor _executor;
    private readonly LiveContext _context;
    private long _lastOpenTimeMs = long.MinValue;

    public StrategyRunner(IStrategy strategy, TradingExecutor executor, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _strategy = strategy;
        _executor = executor;
        _context = new LiveContext(executor.Orders.Positions, timeProvider);
    }

    public IStrategy Strategy => _strategy;

    public long BarsSeen { get; private set; }

    public long TargetsSent { get; private set; }

    /// <summary>The last outcome of a target (null before the first).</summary>
    public TargetOutcome? LastOutcome { get; private set; }

    /// <summary>Open time of the last bar handled; older or repeated bars are ignored (a cache replay after warm-up).</summary>
    public long LastOpenTimeMs => _lastOpenTimeMs;

    /// <summary>Feeds one closed candle; returns the executor's outcome when the strategy asked for a change.</summary>
    public async Task<TargetOutcome?> OnClosedBarAsync(OHLCVBar bar, bool warmup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bar);
        if (!bar.IsClosed || bar.OpenTimeMs <= _lastOpenTimeMs)
        {
            return null;
        }

        _lastOpenTimeMs = bar.OpenTimeMs;
        BarsSeen++;
        _context.IsWarmup = warmup;
        var target = _strategy.OnBar(bar, _context);
        if (target is null || warmup)
        {
            return null;
        }

        TargetsSent++;
        LastOutcome = await _executor.ApplyTargetAsync(target, cancellationToken).ConfigureAwait(false);
        return LastOutcome;
    }

    private sealed class LiveContext(PositionBook book, TimeProvider timeProvider) : IStrategyContext
    {
        public DateTimeOffset Now => timeProvider.GetUtcNow();

        public bool IsWarmup { get; set; }

        public decimal Equity => book.Equity;

        public decimal PositionOf(string symbol) => book.QuantityOf(symbol);
    }
}
