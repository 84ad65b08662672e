using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Configuration;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// The market data sources in fallback order: the configured order (Trading:MarketData:Sources) restricted to the
/// sources registered in DI. Replay takes part only when a replay directory is set. A configured source that is not
/// registered is skipped with a warning.
/// </summary>
public sealed class SourceFallbackChain
{
    public const string ReplaySourceName = "Replay";

    public SourceFallbackChain(MarketDataOptions options, IEnumerable<IMarketDataSource> registered, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registered);
        ArgumentNullException.ThrowIfNull(logger);
        var available = registered.ToList();
        var sources = new List<IMarketDataSource>();
        foreach (var name in options.ParsedSources())
        {
            if (name.Equals(ReplaySourceName, StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(options.ReplayDirectory))
            {
                logger.LogInformation("Market data source {Source} skipped: Trading:MarketData:ReplayDirectory is not set", name);
                continue;
            }

            var source = available.Find(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (source is null)
            {
                logger.LogWarning("Market data source {Source} is configured but not registered; skipped", name);
                continue;
            }

            if (sources.Contains(source))
            {
                continue;
            }

            sources.Add(source);
        }

        if (sources.Count == 0)
        {
            logger.LogError("No market data source is available: none of {Sources} is registered", options.Sources);
        }

        Sources = sources;
    }

    /// <summary>Usable sources, most preferred first.</summary>
    public IReadOnlyList<IMarketDataSource> Sources { get; }

    public int Count => Sources.Count;

    public IMarketDataSource this[int index] => Sources[index];

    public int IndexOf(string name)
    {
        for (var i = 0; i < Sources.Count; i++)
        {
            if (Sources[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
