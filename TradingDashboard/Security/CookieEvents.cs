using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>
/// Login cookie behaviour: API paths answer 401/403 instead of redirecting to the login page, and every request
/// re-checks that the user still exists with the same password (stamp) and role.
/// </summary>
public sealed class CookieEvents : CookieAuthenticationEvents
{
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SecuritySchemes.IsApiPath(context.Request.Path))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }

        return base.RedirectToLogin(context);
    }

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SecuritySchemes.IsApiPath(context.Request.Path))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return base.RedirectToAccessDenied(context);
    }

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.Principal;
        var name = principal?.Identity?.Name;
        var users = context.HttpContext.RequestServices.GetRequiredService<SqliteUserStore>();
        var user = name is null ? null : await users.FindAsync(name, context.HttpContext.RequestAborted);
        if (user is null || user.SecurityStamp != principal!.FindFirstValue(SecuritySchemes.SecurityStampClaim))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SecuritySchemes.Cookie);
            return;
        }

        if (!principal!.IsInRole(UserClaims.RoleName(user.Role)))
        {
            context.ReplacePrincipal(UserClaims.ForCookie(user));
            context.ShouldRenew = true;
        }
    }
}
