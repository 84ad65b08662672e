using System.Security.Claims;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>Builds the principal of a signed-in user (cookie) or an API token caller; roles as <see cref="ActorFactory"/> reads them.</summary>
public static class UserClaims
{
    public static ClaimsPrincipal ForCookie(StoredUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Create(user.Name, user.Role, SecuritySchemes.Cookie, new Claim(SecuritySchemes.SecurityStampClaim, user.SecurityStamp));
    }

    public static ClaimsPrincipal ForApiToken(ApiTokenOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return Create(owner.UserName, owner.Role, SecuritySchemes.ApiToken,
            new Claim(SecuritySchemes.TokenIdClaim, owner.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public static string RoleName(UserRole role) => role == UserRole.Admin ? ActorFactory.AdminRole : ActorFactory.ViewerRole;

    private static ClaimsPrincipal Create(string name, UserRole role, string authenticationType, Claim extra)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, RoleName(role)), extra],
            authenticationType,
            ClaimTypes.Name,
            ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }
}
