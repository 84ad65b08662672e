using TradingDashboard.Api;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>
/// CSRF guard for the JSON API: a state-changing request (POST, PUT, PATCH, DELETE) that authenticates with the login
/// cookie must come from the dashboard's own origin. SameSite=Lax alone is not enough: it only keeps the cookie off
/// cross-site requests, and another port of the same host (http://127.0.0.1:8888 against http://127.0.0.1:5000) or
/// a sibling subdomain is the same site, so a page there could stop processes with a plain form post. Bearer-token
/// calls carry no ambient credential and pass. The refusal is a 403 with an <see cref="ApiError"/>, logged, and
/// audited for endpoints marked with <see cref="AuditRefusalMetadata"/>.
/// </summary>
public sealed partial class SameOriginApiFilter(IAuditLog audit, ILogger<SameOriginApiFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || SecuritySchemes.HasBearerToken(request, out _)
            || IsSameOrigin(request, out var reason))
        {
            return await next(context);
        }

        LogRefused(request.Method, request.Path, reason);
        if (http.GetEndpoint()?.Metadata.GetMetadata<AuditRefusalMetadata>() is { } audited)
        {
            var target = http.GetRouteValue(audited.TargetRouteValue)?.ToString() ?? string.Empty;
            await audit.RecordAsync(http.ToActor(), audited.Action, target, null, $"refused: {reason}", allowed: false, http.RequestAborted);
        }

        return Results.Json(new ApiError($"Refused: {reason}. Call the API from the dashboard itself or with an API token."), statusCode: StatusCodes.Status403Forbidden);
    }

    /// <summary>
    /// The browser's Sec-Fetch-Site header when it sent one (every current browser does), else its Origin header
    /// against this request's own origin. A request with neither is not from a browser page (curl, scripts) and has
    /// no cross-site context to abuse.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request, out string reason)
    {
        ArgumentNullException.ThrowIfNull(request);
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            // "none": the user's own navigation (address bar, bookmark).
            reason = $"cross-origin request (Sec-Fetch-Site: {site})";
            return site is "same-origin" or "none";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            reason = $"cross-origin request (Origin: {origin})";
            return string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
        }

        reason = string.Empty;
        return true;
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Refused {Method} {Path} with the login cookie: {Reason}")]
    private partial void LogRefused(string method, string path, string reason);
}
