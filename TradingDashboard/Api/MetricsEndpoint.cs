using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Api;

/// <summary>
/// Builds the /metrics text from what is registered: market data counters (<see cref="MarketDataMetrics"/>),
/// processes (<see cref="IProcessController"/>), candle lag (<see cref="ICandleCache"/>) and the store. A part
/// whose service is not registered is left out rather than reported as zero.
/// </summary>
public sealed class MetricsExporter(
    IServiceProvider services,
    IOptions<TradingOptions> options,
    SqliteDatabase database,
    TimeProvider timeProvider)
{
    public string Export()
    {
        var writer = new PrometheusTextWriter();

        writer.Family("trading_store_up", "gauge", "1 when the SQLite store answers a query, 0 otherwise.")
            .Sample("trading_store_up", database.IsReachable() ? 1 : 0);

        if (services.GetService<MarketDataMetrics>() is { } marketData)
        {
            writer.Family("trading_marketdata_messages_total", "counter", "Market data messages accepted, by source.");
            foreach (var (source, count) in marketData.AcceptedBySource().OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.Sample("trading_marketdata_messages_total", count, ("source", source));
            }

            writer.Family("trading_marketdata_rejected_total", "counter", "Market data messages rejected at the boundary, by source and reason.");
            foreach (var rejection in marketData.Rejections())
            {
                writer.Sample("trading_marketdata_rejected_total", rejection.Count, ("source", rejection.Source), ("reason", rejection.Reason));
            }
        }

        if (services.GetService<IProcessController>() is { } processes)
        {
            var infos = processes.List().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            writer.Family("trading_process_messages_per_second", "gauge", "Messages handled per second by each pipeline process (average of the last seconds).");
            foreach (var info in infos)
            {
                writer.Sample("trading_process_messages_per_second", info.MessagesPerSecond, ("process", info.Name));
            }

            writer.Family("trading_process_messages_total", "counter", "Messages handled by each pipeline process since it was created.");
            foreach (var info in infos)
            {
                writer.Sample("trading_process_messages_total", info.MessagesTotal, ("process", info.Name));
            }

            writer.Family("trading_process_state", "gauge", "1 for the current state of each pipeline process, 0 for the other states.");
            foreach (var info in infos)
            {
                foreach (var state in Enum.GetValues<ProcessState>())
                {
                    writer.Sample("trading_process_state", info.State == state ? 1 : 0, ("process", info.Name), ("state", state.ToString()));
                }
            }
        }

        if (services.GetService<ICandleCache>() is { } cache)
        {
            var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            writer.Family("trading_candle_lag_seconds", "gauge", "Seconds from the close time of the latest closed candle to now, by symbol and timeframe.");
            foreach (var symbol in options.Value.Symbols.Distinct(StringComparer.Ordinal))
            {
                foreach (var timeframe in options.Value.ParsedTimeframes())
                {
                    // The newest bar may still be forming; the one before it is then the latest closed one.
                    var latestClosed = cache.GetBars(symbol, timeframe, 2).LastOrDefault(b => b.IsClosed);
                    if (latestClosed is not null)
                    {
                        writer.Sample("trading_candle_lag_seconds", (now - latestClosed.CloseTimeMs) / 1000.0, ("symbol", symbol), ("timeframe", timeframe.ToCode()));
                    }
                }
            }
        }

        return writer.ToString();
    }
}

public static class MetricsEndpoint
{
    /// <summary>GET /metrics (signed-in callers, e.g. Prometheus with a bearer token): Prometheus text format 0.0.4.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metrics", (MetricsExporter exporter) =>
            Results.Text(exporter.Export(), PrometheusTextWriter.ContentType)).RequireAuthorization();
        return endpoints;
    }
}
