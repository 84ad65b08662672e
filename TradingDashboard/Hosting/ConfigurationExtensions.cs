using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace TradingDashboard.Hosting;

public static class ConfigurationExtensions
{
    public const string DefaultUrls = "http://localhost:5000";

    /// <summary>
    /// Loads the repository-root appsettings.json whatever the working directory. It goes right after the content
    /// root's own appsettings.json (so appsettings.{Environment}.json, user secrets, environment variables with
    /// "__" for ":" and the command line still override it). Urls defaults to http://localhost:5000.
    /// </summary>
    public static WebApplicationBuilder AddRepositoryConfiguration(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var paths = HostPaths.Resolve(builder.Environment.ContentRootPath);
        var sources = builder.Configuration.Sources;

        // `dotnet run` from a checkout runs in Production by default: serve the packages' static web assets
        // (MudBlazor, Plotly) from the build's manifest in every environment, not only in Development. A published
        // build has no such manifest and serves its copied files instead.
        builder.WebHost.UseStaticWebAssets();

        // Lowest priority: only used when nothing else sets Urls.
        sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = [new KeyValuePair<string, string?>("Urls", DefaultUrls)],
        });

        if (paths.RepositoryRoot is not null)
        {
            var settingsFile = Path.Combine(paths.RepositoryRoot, "appsettings.json");
            var alreadyLoaded = Path.GetFullPath(Path.Combine(paths.ContentRoot, "appsettings.json")) == Path.GetFullPath(settingsFile);
            if (File.Exists(settingsFile) && !alreadyLoaded)
            {
                var json = new JsonConfigurationSource
                {
                    Path = "appsettings.json",
                    Optional = false,

                    // Settings are read once at start; file watchers per host would also exhaust inotify in test runs.
                    ReloadOnChange = false,
                    FileProvider = new PhysicalFileProvider(paths.RepositoryRoot),
                };
                sources.Insert(InsertionIndex(sources), json);
            }
        }

        return builder;
    }

    private static int InsertionIndex(IList<IConfigurationSource> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: "appsettings.json" })
            {
                return i + 1;
            }
        }

        // No content-root appsettings.json source: go before the unprefixed environment variables.
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                return i;
            }
        }

        return sources.Count;
    }
}
