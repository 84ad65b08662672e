using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>Form fields of the login page.</summary>
public sealed class LoginForm
{
    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string? ReturnUrl { get; set; }
}

public static class AccountEndpoints
{
    public const string LoginPath = "/login";
    public const string LoginPostPath = "/account/login";
    public const string LogoutPostPath = "/account/logout";
    public const string AccessDeniedPath = "/access-denied";

    /// <summary>
    /// POST /account/login (the login page's form; antiforgery-checked, anonymous) and POST /account/logout.
    /// Failures redirect back to /login with an error code the page explains.
    /// </summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(LoginPostPath, LoginAsync).AllowAnonymous();
        endpoints.MapPost(LogoutPostPath, LogoutAsync).AllowAnonymous();
        return endpoints;
    }

    /// <summary>Only same-site paths are followed after login (no open redirect).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' &&
        (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\')) &&
        !returnUrl.StartsWith(LoginPath, StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";

    private static async Task<IResult> LoginAsync([FromForm] LoginForm form, HttpContext http, LoginService login)
    {
        var userName = form.UserName?.Trim() ?? string.Empty;
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var result = await login.LoginAsync(userName, form.Password ?? string.Empty, http.RemoteAddress(), http.RequestAborted);
        switch (result.Outcome)
        {
            case LoginOutcome.Success:
                await http.SignInAsync(SecuritySchemes.Cookie, UserClaims.ForCookie(result.User!), new AuthenticationProperties { IsPersistent = false });
                return Results.LocalRedirect(returnUrl);
            case LoginOutcome.LockedOut:
                var minutes = Math.Max(1, (int)Math.Ceiling(result.RetryAfter?.TotalMinutes ?? 1));
                return Results.Redirect(LoginPageUrl("locked", userName, returnUrl, minutes));
            default:
                return Results.Redirect(LoginPageUrl("invalid", userName, returnUrl, null));
        }
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, IAuditLog audit)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            await audit.RecordAsync(http.ToActor(), "logout", http.User.Identity.Name ?? string.Empty, null, null, allowed: true, http.RequestAborted);
        }

        await http.SignOutAsync(SecuritySchemes.Cookie);
        return Results.Redirect(LoginPath);
    }

    private static string LoginPageUrl(string error, string userName, string returnUrl, int? retryMinutes)
    {
        var query = new Dictionary<string, string?>
        {
            ["error"] = error,
            ["user"] = userName.Length == 0 ? null : userName,
            ["returnUrl"] = returnUrl == "/" ? null : returnUrl,
            ["retry"] = retryMinutes?.ToString(CultureInfo.InvariantCulture),
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(LoginPath, query.Where(kv => kv.Value is not null));
    }
}
