using Microsoft.Playwright;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// Launches Debian's Chromium through Playwright (never Playwright's own download: the tests run offline).
/// ./scripts/test.sh installs the package when it is missing.
/// </summary>
public static class Chromium
{
    /// <summary>Where Debian installs it; TD_CHROMIUM overrides (another distribution's path).</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("TD_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static IReadOnlyList<string> LaunchArgs { get; } =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    /// <summary>Starts a headless Chromium; throws with the install hint when the executable is missing.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium not found at {ExecutablePath}: run ./scripts/test.sh (it installs Debian's chromium) or set TD_CHROMIUM.");
        }

        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = LaunchArgs,
        });
    }
}
