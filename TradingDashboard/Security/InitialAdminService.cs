using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>On the first start (no user yet) creates the admin from Trading:Auth; there are no built-in credentials.</summary>
public sealed partial class InitialAdminService(
    UserService users,
    IOptions<TradingOptions> options,
    FirstStartConsole console,
    ILogger<InitialAdminService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var result = await users.EnsureInitialAdminAsync(options.Value.Auth, cancellationToken);
        if (result is null)
        {
            return;
        }

        LogCreated(logger, result.UserName, result.GeneratedPassword is null ? "Trading:Auth:AdminPassword" : "a generated one-time password shown on the console", result.ApiTokenStored);
        if (result.GeneratedPassword is not null)
        {
            console.AnnounceGeneratedPassword(result.UserName, result.GeneratedPassword);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "First start: created admin {UserName} with {PasswordSource}; API token from settings stored: {TokenStored}")]
    private static partial void LogCreated(ILogger logger, string userName, string passwordSource, bool tokenStored);
}
