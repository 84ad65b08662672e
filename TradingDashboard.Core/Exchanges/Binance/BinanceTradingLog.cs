using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>Source-generated log messages of the venue trading clients (never keys, secrets, signatures or query strings).</summary>
internal static partial class VenueLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "{Venue} server time offset {OffsetMs} ms")]
    public static partial void ServerTime(ILogger logger, string venue, long offsetMs);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "{Venue} refused order {ClientOrderId}: {Code} {Reason}")]
    public static partial void OrderRefused(ILogger logger, string venue, string clientOrderId, int code, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "{Venue} execution report handler failed for {ClientOrderId}")]
    public static partial void HandlerFailed(ILogger logger, string venue, string clientOrderId, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "{Venue} user data stream subscribed (subscription {SubscriptionId})")]
    public static partial void StreamSubscribed(ILogger logger, string venue, string subscriptionId);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "{Venue} user data stream down ({Error}); reconnecting in {DelayMs} ms")]
    public static partial void StreamDown(ILogger logger, string venue, string error, double delayMs);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "{Venue} user data stream: unusable message ignored ({Error})")]
    public static partial void StreamBadMessage(ILogger logger, string venue, string error);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Warning, Message = "{Venue} fill polling failed: {Error}")]
    public static partial void PollFailed(ILogger logger, string venue, string error);
}
