using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Api;

/// <summary>GET /health body: status healthy, degraded or unhealthy, and why it is not healthy.</summary>
public sealed record HealthReport(string Status, IReadOnlyList<string> Reasons)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    /// <summary>
    /// Store unreachable: unhealthy. Otherwise the active market data source connected: healthy; no source connected
    /// (or no market data status at all): degraded.
    /// </summary>
    public static HealthReport Evaluate(bool storeReachable, MarketDataStatus? marketData)
    {
        var reasons = new List<string>();
        if (!storeReachable)
        {
            reasons.Add("store unreachable: the SQLite database does not answer");
        }

        var marketDataOk = false;
        if (marketData is null)
        {
            reasons.Add("market data status unavailable: the market data pipeline is not running");
        }
        else
        {
            var active = marketData.Sources.FirstOrDefault(s => string.Equals(s.Name, marketData.ActiveSource, StringComparison.OrdinalIgnoreCase));
            if (active is { State: SourceConnectionState.Connected })
            {
                marketDataOk = true;
            }
            else if (active is { State: SourceConnectionState.Ended })
            {
                reasons.Add($"{active.Name} finished: the replay reached the end of its files, no new market data");
            }
            else if (marketData.Sources.Any(s => s.State == SourceConnectionState.Connected))
            {
                reasons.Add($"active market data source {marketData.ActiveSource ?? "(none)"} is not connected");
            }
            else
            {
                reasons.Add("no market data source connected");
            }
        }

        var status = !storeReachable ? Unhealthy : marketDataOk ? Healthy : Degraded;
        return new HealthReport(status, reasons);
    }
}

public static class HealthEndpoint
{
    /// <summary>GET /health, anonymous: 200 for healthy or degraded, 503 for unhealthy.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", (HttpContext http, SqliteDatabase database) =>
        {
            MarketDataStatus? status = null;
            if (http.RequestServices.GetService<IMarketDataStatusProvider>() is { } provider)
            {
                status = provider.Current;
            }

            var report = HealthReport.Evaluate(database.IsReachable(), status);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(report, statusCode: report.Status == HealthReport.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        }).AllowAnonymous();
        return endpoints;
    }
}
