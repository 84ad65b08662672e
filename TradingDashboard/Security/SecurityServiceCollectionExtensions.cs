using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Users, roles, login, API tokens and the audit log: SQLite stores, <see cref="UserService"/>,
    /// <see cref="LoginService"/>, the first-start admin, cookie + bearer authentication behind one policy scheme,
    /// a fallback policy that requires a signed-in user everywhere (endpoints opt out with AllowAnonymous), the
    /// <see cref="ActorFactory.AdminPolicy"/> policy, and the Blazor authentication state. Call after AddRazorComponents.
    /// </summary>
    public static IServiceCollection AddTradingSecurity(this IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();
        services.TryAddSingleton<SqliteUserStore>();
        services.TryAddSingleton<ApiTokenStore>();
        services.TryAddSingleton<SqliteAuditLog>();
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<SqliteAuditLog>());
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddSingleton<LoginService>();
        services.TryAddSingleton<UserService>();
        services.TryAddSingleton(_ => new FirstStartConsole(Console.Out));
        services.AddHostedService<InitialAdminService>();

        services.AddSingleton<CookieEvents>();
        services.AddAuthentication(SecuritySchemes.CookieOrBearer)
            .AddPolicyScheme(SecuritySchemes.CookieOrBearer, "Login cookie or API token", options =>
                options.ForwardDefaultSelector = context =>
                    SecuritySchemes.HasBearerToken(context.Request, out _) ? SecuritySchemes.ApiToken : SecuritySchemes.Cookie)
            .AddCookie(SecuritySchemes.Cookie, options =>
            {
                options.LoginPath = AccountEndpoints.LoginPath;
                options.LogoutPath = AccountEndpoints.LogoutPostPath;
                options.AccessDeniedPath = AccountEndpoints.AccessDeniedPath;
                options.ReturnUrlParameter = "returnUrl";
                options.Cookie.Name = SecuritySchemes.CookieName;
                options.Cookie.HttpOnly = true;

                // Lax keeps cross-site POSTs (CSRF on the JSON API) from carrying the cookie.
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.EventsType = typeof(CookieEvents);
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(SecuritySchemes.ApiToken, null);

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(ActorFactory.AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(ActorFactory.AdminRole));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, UserRevalidatingAuthenticationStateProvider>();
        services.AddScoped<CurrentActor>();
        return services;
    }

    /// <summary>Authentication, authorization and antiforgery, in that order (after routing, before the endpoints).</summary>
    public static WebApplication UseTradingSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }
}
