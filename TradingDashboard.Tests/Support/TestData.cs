namespace TradingDashboard.Tests.Support;

/// <summary>
/// Locates the shared real market data (never copied into this repository): TRADING_DATA_DIR when set, otherwise the
/// first <c>shared/data</c> folder found beside the repository or one of its parent folders.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>The data root (the folder holding <c>binance/</c> and <c>mexc/</c>), or null when absent.</summary>
    public static string? Directory => Root.Value;

    /// <summary>Full path of a file under the data root; throws a clear error when the data is not there.</summary>
    public static string File(params string[] relative)
    {
        var root = Directory ?? throw new InvalidOperationException(
            "Real market data not found: set TRADING_DATA_DIR or place the repository beside shared/data.");
        var path = Path.Combine([root, .. relative]);
        return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"Test data file missing: {path}", path);
    }

    private static string? Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TRADING_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return System.IO.Directory.Exists(fromEnv) ? fromEnv : throw new DirectoryNotFoundException($"TRADING_DATA_DIR '{fromEnv}' does not exist.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (System.IO.Directory.Exists(Path.Combine(candidate, "binance")))
            {
                return candidate;
            }
        }

        return null;
    }
}
