using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>
/// A Blazor circuit outlives the request that opened it: re-check every minute that its user still exists with
/// the same password stamp and role, so a removed user or a reset password ends open dashboards too.
/// </summary>
public sealed class UserRevalidatingAuthenticationStateProvider(ILoggerFactory loggerFactory, SqliteUserStore users)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        var principal = authenticationState.User;
        if (principal.Identity?.Name is not { } name)
        {
            return false;
        }

        var user = await users.FindAsync(name, cancellationToken);
        if (user is null || !principal.IsInRole(UserClaims.RoleName(user.Role)))
        {
            return false;
        }

        var stamp = principal.FindFirstValue(SecuritySchemes.SecurityStampClaim);
        return stamp is null || stamp == user.SecurityStamp;
    }
}
