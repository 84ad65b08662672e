namespace TradingDashboard.Hosting;

/// <summary>
/// Where the host finds its files: the repository root (the folder holding TradingDashboard.sln) when the host runs
/// from a checkout, otherwise the content root. Relative data paths (Trading:Storage:DataDirectory) are under
/// <see cref="BaseDirectory"/>.
/// </summary>
public sealed record HostPaths(string? RepositoryRoot, string ContentRoot)
{
    public const string SolutionFileName = Core.Configuration.RepositoryRoot.SolutionFileName;

    public string BaseDirectory => RepositoryRoot ?? ContentRoot;

    public static HostPaths Resolve(string contentRoot) =>
        new(FindRepositoryRoot(contentRoot, AppContext.BaseDirectory, Directory.GetCurrentDirectory()), contentRoot);

    /// <summary>The first folder, walking up from each start folder in turn, that contains TradingDashboard.sln; null if none.</summary>
    public static string? FindRepositoryRoot(params string?[] startDirectories) => Core.Configuration.RepositoryRoot.Find(startDirectories);
}
