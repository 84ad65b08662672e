using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Security;

namespace TradingDashboard.Api;

public static class TradingApiEndpoints
{
    /// <summary>
    /// The JSON API under /api (camelCase, enums as strings). Every endpoint needs a signed-in caller (cookie or
    /// bearer token; anonymous calls get 401); starting and stopping processes also needs the Admin policy, and a
    /// refusal there is audited. State-changing calls with the login cookie must come from the dashboard's own origin
    /// (<see cref="SameOriginApiFilter"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapTradingApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization().AddEndpointFilter<SameOriginApiFilter>();
        api.MapGet("/candles", GetCandles);
        api.MapGet("/processes", GetProcesses);
        api.MapPost("/processes/{name}/start", (string name, HttpContext http, CancellationToken ct) =>
                ControlAsync(http, name, (c, actor) => c.StartAsync(name, actor, ct)))
            .RequireAuthorization(ActorFactory.AdminPolicy)
            .AuditRefusals("process.start", "name");
        api.MapPost("/processes/{name}/stop", (string name, HttpContext http, CancellationToken ct) =>
                ControlAsync(http, name, (c, actor) => c.StopAsync(name, actor, ct)))
            .RequireAuthorization(ActorFactory.AdminPolicy)
            .AuditRefusals("process.stop", "name");
        return endpoints;
    }

    private static IResult GetCandles(string? symbol, string? timeframe, string? limit, HttpContext http, IOptions<TradingOptions> options)
    {
        if (!CandleQuery.TryParse(symbol, timeframe, limit, options.Value, out var query, out var error))
        {
            return Results.BadRequest(new ApiError(error!));
        }

        if (http.RequestServices.GetService<ICandleCache>() is not { } cache)
        {
            return Unavailable("Market data is not running (no candle cache is registered).");
        }

        var bars = cache.GetBars(query!.Symbol, query.Timeframe, query.Limit);
        return Results.Ok(bars.Select(CandleDto.From).ToList());
    }

    private static IResult GetProcesses(HttpContext http) =>
        http.RequestServices.GetService<IProcessController>() is { } controller
            ? Results.Ok(controller.List())
            : Unavailable("The process controller is not registered.");

    private static async Task<IResult> ControlAsync(HttpContext http, string name, Func<IProcessController, Actor, Task<ProcessInfo>> action)
    {
        if (http.RequestServices.GetService<IProcessController>() is not { } controller)
        {
            return Unavailable("The process controller is not registered.");
        }

        try
        {
            // The controller checks the role again and audits the attempt, allowed or not.
            return Results.Ok(await action(controller, http.ToActor()));
        }
        catch (AccessDeniedException ex)
        {
            return Results.Json(new ApiError(ex.Message), statusCode: StatusCodes.Status403Forbidden);
        }
        catch (UnknownProcessException ex)
        {
            return Results.NotFound(new ApiError(ex.Message));
        }
    }

    private static IResult Unavailable(string message) =>
        Results.Json(new ApiError(message), statusCode: StatusCodes.Status503ServiceUnavailable);
}
