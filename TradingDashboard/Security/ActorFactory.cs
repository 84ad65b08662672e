using System.Security.Claims;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>
/// Maps the authenticated principal (cookie login or API token) to the <see cref="Actor"/> that Core's control
/// services check. Role claims use <see cref="ClaimTypes.Role"/> with the values "Admin" and "Viewer".
/// </summary>
public static class ActorFactory
{
    public const string AdminRole = "Admin";
    public const string ViewerRole = "Viewer";

    /// <summary>Authorization policy name that requires the Admin role.</summary>
    public const string AdminPolicy = "AdminOnly";

    public static Actor FromPrincipal(ClaimsPrincipal? principal, string? remoteAddress)
    {
        if (principal?.Identity is not { IsAuthenticated: true } identity)
        {
            return Actor.Anonymous(remoteAddress);
        }

        var name = identity.Name ?? principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";
        UserRole? role = principal.IsInRole(AdminRole) ? UserRole.Admin : principal.IsInRole(ViewerRole) ? UserRole.Viewer : null;
        return new Actor(name, role, remoteAddress);
    }
}
