using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>
/// Authenticates "Authorization: Bearer &lt;token&gt;" against the personal API tokens. No header: no result (the
/// policy scheme only sends requests with a bearer header here). Unknown or revoked token: failure, so the request
/// is answered 401 and never falls back to a cookie.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenStore tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!SecuritySchemes.HasBearerToken(Request, out var token))
        {
            return AuthenticateResult.NoResult();
        }

        var owner = await tokens.AuthenticateAsync(token, Context.RequestAborted);
        if (owner is null)
        {
            return AuthenticateResult.Fail("Invalid or revoked API token.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(UserClaims.ForApiToken(owner), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = SecuritySchemes.HasBearerToken(Request, out _)
            ? "Bearer error=\"invalid_token\""
            : "Bearer";
        return Task.CompletedTask;
    }
}
