using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Tests.Fakes;

/// <summary>
/// Loopback MEXC spot fake: GET /api/v3/klines (MEXC's 8-field rows, intervals 1m/60m/1d) and the WebSocket at /ws,
/// which answers {"method":"SUBSCRIPTION","params":[..]} with {"id":0,"code":0,"msg":"&lt;channels&gt;"} and
/// {"method":"PING"} with {"id":0,"code":0,"msg":"PONG"}; tests push protobuf frames.
/// </summary>
public sealed class FakeMexcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeKlineStore _klines = new();
    private readonly ConcurrentQueue<FakeResponse> _scripted = new();
    private readonly List<FakeRequest> _requests = [];
    private readonly List<FakeStreamConnection> _connections = [];
    private readonly Lock _lock = new();

    private FakeMexcServer(WebApplication app)
    {
        _app = app;
    }

    public string RestBaseUrl { get; private set; } = string.Empty;

    /// <summary>The WebSocket endpoint (MEXC's is wss://wbs-api.mexc.com/ws).</summary>
    public string WebSocketUrl { get; private set; } = string.Empty;

    public IReadOnlyList<FakeRequest> KlineRequests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    public static async Task<FakeMexcServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeMexcServer(app);
        app.UseWebSockets();
        app.MapGet("/api/v3/klines", server.HandleKlines);
        app.Map("/ws", server.HandleSocketAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.RestBaseUrl = $"http://127.0.0.1:{address.Port}";
        server.WebSocketUrl = $"ws://127.0.0.1:{address.Port}/ws";
        return server;
    }

    public void AddKlines(string symbol, string interval, IEnumerable<FakeKline> klines) => _klines.Add(symbol, interval, klines);

    public void RespondNextKlines(int status, int? retryAfterSeconds, string body = "{\"code\":429,\"msg\":\"Too many requests\"}") =>
        _scripted.Enqueue(new FakeResponse(status, retryAfterSeconds, body));

    public async Task<FakeStreamConnection> WaitForConnectionAsync(int number, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds * Stopwatch.Frequency);
        while (ConnectionCount < number)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Connection {number} was not opened (have {ConnectionCount}).");
            }

            await Task.Delay(10);
        }

        lock (_lock)
        {
            return _connections[number - 1];
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<FakeStreamConnection> open;
        lock (_lock)
        {
            open = _connections.ToList();
        }

        foreach (var c in open)
        {
            c.Drop();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private IResult HandleKlines(HttpContext context)
    {
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        lock (_lock)
        {
            _requests.Add(new FakeRequest(context.Request.Path, query, Stopwatch.GetTimestamp()));
        }

        if (_scripted.TryDequeue(out var scripted))
        {
            if (scripted.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            return Results.Content(scripted.Body, "application/json", Encoding.UTF8, scripted.Status);
        }

        var rows = _klines.Select(query, defaultLimit: 500, maxLimit: 1000);
        if (rows is null)
        {
            return Results.Content("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", "application/json", Encoding.UTF8, 400);
        }

        var json = new StringBuilder("[");
        foreach (var k in rows)
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }

            json.Append(CultureInfo.InvariantCulture,
                $"[{k.OpenTime},\"{k.Open}\",\"{k.High}\",\"{k.Low}\",\"{k.Close}\",\"{k.Volume}\",{k.CloseTime},\"{k.QuoteVolume}\"]");
        }

        json.Append(']');
        return Results.Content(json.ToString(), "application/json");
    }

    private async Task HandleSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new FakeStreamConnection(context, socket, [], Answer);
        lock (_lock)
        {
            _connections.Add(connection);
        }

        await connection.RunAsync();
    }

    private static string? Answer(string message)
    {
        using var doc = JsonDocument.Parse(message);
        var method = doc.RootElement.GetProperty("method").GetString();
        return method switch
        {
            "PING" => "{\"id\":0,\"code\":0,\"msg\":\"PONG\"}",
            "SUBSCRIPTION" => JsonSerializer.Serialize(new
            {
                id = 0,
                code = 0,
                msg = string.Join(',', doc.RootElement.GetProperty("params").EnumerateArray().Select(p => p.GetString())),
            }),
            _ => "{\"id\":0,\"code\":1,\"msg\":\"unknown method\"}",
        };
    }
}
