using Microsoft.Extensions.Logging;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Counts rejected and accepted messages of one source in <see cref="MarketDataMetrics"/> and logs each rejection with
/// its reason. Logging is throttled per reason (one line per <see cref="LogInterval"/>, with the number suppressed)
/// so a flood of bad input cannot flood the log; the counters are always exact. Thread-safe.
/// </summary>
public sealed class RejectionRecorder
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly string _source;
    private readonly MarketDataMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long LastLogTicks, int Suppressed)> _logState = new(StringComparer.Ordinal);

    public RejectionRecorder(string source, MarketDataMetrics metrics, ILogger logger, TimeProvider timeProvider)
    {
        _source = source;
        _metrics = metrics;
        _logger = logger;
        _time = timeProvider;
    }

    public void Accepted() => _metrics.RecordAccepted(_source);

    public void Rejected(string reason, string? detail)
    {
        _metrics.RecordRejected(_source, reason);
        var now = _time.GetTimestamp();
        int suppressed;
        lock (_lock)
        {
            if (_logState.TryGetValue(reason, out var state)
                && _time.GetElapsedTime(state.LastLogTicks, now) < LogInterval)
            {
                _logState[reason] = (state.LastLogTicks, state.Suppressed + 1);
                return;
            }

            suppressed = state.Suppressed;
            _logState[reason] = (now, 0);
        }

        _logger.LogWarning(
            "{Source} rejected a message: {Reason} ({Detail}); {Suppressed} more with this reason since the last report",
            _source, reason, detail ?? "no detail", suppressed);
    }
}
