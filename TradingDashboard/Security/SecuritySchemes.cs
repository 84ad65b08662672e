using Microsoft.AspNetCore.Authentication.Cookies;

namespace TradingDashboard.Security;

/// <summary>Authentication scheme names and claim types used by the host.</summary>
public static class SecuritySchemes
{
    /// <summary>Default scheme: forwards to <see cref="ApiToken"/> when the request has "Authorization: Bearer ...", otherwise to <see cref="Cookie"/>.</summary>
    public const string CookieOrBearer = "CookieOrBearer";

    public const string Cookie = CookieAuthenticationDefaults.AuthenticationScheme;

    public const string ApiToken = "ApiToken";

    /// <summary>Claim in the login cookie that fingerprints the password hash; a password reset ends older sessions.</summary>
    public const string SecurityStampClaim = "td:stamp";

    /// <summary>Claim holding the id of the API token a request authenticated with.</summary>
    public const string TokenIdClaim = "td:token";

    public const string CookieName = "td.auth";

    /// <summary>Paths that answer 401/403 instead of redirecting to the login page.</summary>
    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);

    public static bool HasBearerToken(HttpRequest request, out string token)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString().Trim();

        // "Bearer" alone (an empty token) is still a bearer attempt: it must fail, not fall back to the cookie.
        if (header.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer".Length..].Trim();
            return true;
        }

        token = string.Empty;
        return false;
    }
}
