using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>Marks an endpoint whose refused calls (401/403 from its authorization policy) are written to the audit log.</summary>
/// <param name="Action">Audit action, e.g. "process.start".</param>
/// <param name="TargetRouteValue">Route value naming the target, e.g. "name".</param>
public sealed record AuditRefusalMetadata(string Action, string TargetRouteValue);

/// <summary>
/// An endpoint's policy refuses a caller before the endpoint (and the service that would audit) runs; this handler
/// audits those refusals with allowed=false for endpoints marked with <see cref="AuditRefusalMetadata"/>, then
/// answers as usual.
/// </summary>
public sealed class AuditingAuthorizationResultHandler(IAuditLog audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!authorizeResult.Succeeded && context.GetEndpoint()?.Metadata.GetMetadata<AuditRefusalMetadata>() is { } audited)
        {
            var target = context.GetRouteValue(audited.TargetRouteValue)?.ToString() ?? string.Empty;
            var reason = authorizeResult.Forbidden ? "refused: admin role required" : "refused: not signed in";
            await audit.RecordAsync(context.ToActor(), audited.Action, target, null, reason, allowed: false, context.RequestAborted);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

public static class AuditRefusalEndpointExtensions
{
    /// <summary>Audits calls that this endpoint's authorization policy refuses (see <see cref="AuditingAuthorizationResultHandler"/>).</summary>
    public static TBuilder AuditRefusals<TBuilder>(this TBuilder builder, string action, string targetRouteValue)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new AuditRefusalMetadata(action, targetRouteValue));
    }
}
