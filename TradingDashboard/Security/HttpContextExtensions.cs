using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

public static class HttpContextExtensions
{
    /// <summary>The caller's address as the audit log records it (the direct peer; no proxy headers are trusted).</summary>
    public static string? RemoteAddress(this HttpContext context) =>
        context?.Connection.RemoteIpAddress?.ToString();

    /// <summary>The caller of this request as an <see cref="Actor"/>.</summary>
    public static Actor ToActor(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ActorFactory.FromPrincipal(context.User, context.RemoteAddress());
    }
}
