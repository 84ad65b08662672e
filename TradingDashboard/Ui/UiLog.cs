using Microsoft.Extensions.Logging;

namespace TradingDashboard.Ui;

/// <summary>Source-generated log messages of the dashboard UI.</summary>
internal static partial class UiLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "UI refresh failed")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Process {Process}: {Action} by {User} refused")]
    public static partial void ProcessActionDenied(ILogger logger, string process, string action, string user);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Process {Process}: {Action} by {User} failed")]
    public static partial void ProcessActionFailed(ILogger logger, Exception exception, string process, string action, string user);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Alert snackbars collapsed: {Count} alerts shown as one summary")]
    public static partial void AlertsCollapsed(ILogger logger, int count);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Chart update buffer overflowed for {Symbol} {Timeframe}; reloading from the cache")]
    public static partial void ChartBufferOverflow(ILogger logger, string symbol, string timeframe);
}
