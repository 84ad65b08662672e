namespace TradingDashboard.Core.Configuration;

/// <summary>
/// The repository root: the folder holding TradingDashboard.sln. Relative data paths (database, models) resolve against it
/// when the host runs from a checkout, so `dotnet run --project TradingDashboard` and the tests find the same folders.
/// </summary>
public static class RepositoryRoot
{
    public const string SolutionFileName = "TradingDashboard.sln";

    /// <summary>The first folder, walking up from each start folder in turn, that contains TradingDashboard.sln; null if none.</summary>
    public static string? Find(params string?[] startDirectories)
    {
        ArgumentNullException.ThrowIfNull(startDirectories);
        foreach (var start in startDirectories)
        {
            if (string.IsNullOrWhiteSpace(start) || !Directory.Exists(start))
            {
                continue;
            }

            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>The repository root found from the content root, the program's folder or the working folder; else the content root.</summary>
    public static string BaseDirectory(string contentRoot) =>
        Find(contentRoot, AppContext.BaseDirectory, Directory.GetCurrentDirectory()) ?? contentRoot;
}
