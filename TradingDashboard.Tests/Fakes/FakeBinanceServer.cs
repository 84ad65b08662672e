using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Tests.Fakes;

/// <summary>One kline row as a venue serves it (numbers as the venue's decimal strings).</summary>
public sealed record FakeKline(long OpenTime, string Open, string High, string Low, string Close, string Volume, long CloseTime, string QuoteVolume, int Trades);

/// <summary>A GET the fake answered: path and query, and when it arrived (Stopwatch timestamp).</summary>
public sealed record FakeRequest(string Path, IReadOnlyDictionary<string, string> Query, long Timestamp)
{
    public long Long(string name) => long.Parse(Query[name], CultureInfo.InvariantCulture);
}

/// <summary>A scripted answer to the next kline request (rate limit, ban, error).</summary>
public sealed record FakeResponse(int Status, int? RetryAfterSeconds, string Body);

/// <summary>
/// Loopback Binance spot fake (Kestrel on 127.0.0.1, random port) speaking the documented formats:
/// GET /api/v3/klines?symbol&amp;interval&amp;startTime&amp;endTime&amp;limit (12-field rows, X-MBX-USED-WEIGHT-1M header) and the
/// combined stream /stream?streams=a/b (WebSocket, text frames {"stream":..,"data":..}). Tests script it: kline
/// history, scripted 429/418 answers with Retry-After, pushes, dropped connections, malformed messages.
/// </summary>
public sealed class FakeBinanceServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeKlineStore _klines = new();
    private readonly ConcurrentQueue<FakeResponse> _scripted = new();
    private readonly List<FakeRequest> _requests = [];
    private readonly List<FakeStreamConnection> _connections = [];
    private readonly Lock _lock = new();

    private FakeBinanceServer(WebApplication app)
    {
        _app = app;
    }

    public string RestBaseUrl { get; private set; } = string.Empty;

    public string WebSocketBaseUrl { get; private set; } = string.Empty;

    /// <summary>Value sent in X-MBX-USED-WEIGHT-1M on every kline answer.</summary>
    public int UsedWeight { get; set; } = 2;

    /// <summary>When true, WebSocket upgrades are refused with 503.</summary>
    public bool RefuseConnections { get; set; }

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

    public static async Task<FakeBinanceServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeBinanceServer(app);
        app.UseWebSockets();
        app.MapGet("/api/v3/klines", server.HandleKlines);
        app.Map("/stream", server.HandleStreamAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.RestBaseUrl = $"http://127.0.0.1:{address.Port}";
        server.WebSocketBaseUrl = $"ws://127.0.0.1:{address.Port}";
        return server;
    }

    /// <summary>Adds kline history served by GET /api/v3/klines.</summary>
    public void AddKlines(string symbol, string interval, IEnumerable<FakeKline> klines) => _klines.Add(symbol, interval, klines);

    /// <summary>The next kline request gets this answer instead of data.</summary>
    public void RespondNextKlines(int status, int? retryAfterSeconds, string body = "{\"code\":-1003,\"msg\":\"Too many requests.\"}") =>
        _scripted.Enqueue(new FakeResponse(status, retryAfterSeconds, body));

    public FakeStreamConnection Connection(int number)
    {
        lock (_lock)
        {
            return _connections[number - 1];
        }
    }

    /// <summary>Waits until the <paramref name="number"/>-th WebSocket connection (1-based) is open.</summary>
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

        return Connection(number);
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

        context.Response.Headers["X-MBX-USED-WEIGHT-1M"] = UsedWeight.ToString(CultureInfo.InvariantCulture);
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
                $"[{k.OpenTime},\"{k.Open}\",\"{k.High}\",\"{k.Low}\",\"{k.Close}\",\"{k.Volume}\",{k.CloseTime},\"{k.QuoteVolume}\",{k.Trades},\"0\",\"0\",\"0\"]");
        }

        json.Append(']');
        return Results.Content(json.ToString(), "application/json");
    }

    private async Task HandleStreamAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        if (RefuseConnections)
        {
            context.Response.StatusCode = 503;
            return;
        }

        var streams = context.Request.Query["streams"].ToString().Split('/', StringSplitOptions.RemoveEmptyEntries);
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new FakeStreamConnection(context, socket, streams, pong: null);
        lock (_lock)
        {
            _connections.Add(connection);
        }

        await connection.RunAsync();
    }
}

/// <summary>Kline history of a fake venue, by symbol and interval code, answering startTime/endTime/limit queries.</summary>
public sealed class FakeKlineStore
{
    private readonly ConcurrentDictionary<(string, string), SortedList<long, FakeKline>> _rows = new();

    public void Add(string symbol, string interval, IEnumerable<FakeKline> klines)
    {
        var list = _rows.GetOrAdd((symbol, interval), _ => []);
        lock (list)
        {
            foreach (var k in klines)
            {
                list[k.OpenTime] = k;
            }
        }
    }

    /// <summary>Rows for the query, or null when the symbol/interval is unknown.</summary>
    public IReadOnlyList<FakeKline>? Select(IReadOnlyDictionary<string, string> query, int defaultLimit, int maxLimit)
    {
        if (!query.TryGetValue("symbol", out var symbol) || !query.TryGetValue("interval", out var interval)
            || !_rows.TryGetValue((symbol, interval), out var list))
        {
            return null;
        }

        var start = query.TryGetValue("startTime", out var s) ? long.Parse(s, CultureInfo.InvariantCulture) : long.MinValue;
        var end = query.TryGetValue("endTime", out var e) ? long.Parse(e, CultureInfo.InvariantCulture) : long.MaxValue;
        var limit = query.TryGetValue("limit", out var l) ? Math.Min(int.Parse(l, CultureInfo.InvariantCulture), maxLimit) : defaultLimit;
        lock (list)
        {
            return list.Values.Where(k => k.OpenTime >= start && k.OpenTime <= end).Take(limit).ToList();
        }
    }
}

/// <summary>One server-side WebSocket of a fake venue: push frames to the client, read what it sends, drop it.</summary>
public sealed class FakeStreamConnection
{
    private readonly HttpContext _context;
    private readonly WebSocket _socket;
    private readonly Channel<(byte[] Payload, WebSocketMessageType Type)> _outgoing = Channel.CreateUnbounded<(byte[], WebSocketMessageType)>();
    private readonly Func<string, string?>? _pong;
    private readonly ConcurrentQueue<string> _received = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="pong">Answers a text message from the client (return null for no answer).</param>
    public FakeStreamConnection(HttpContext context, WebSocket socket, IReadOnlyList<string> streams, Func<string, string?>? pong)
    {
        _context = context;
        _socket = socket;
        Streams = streams;
        _pong = pong;
    }

    /// <summary>Streams named in the connection URL (combined stream).</summary>
    public IReadOnlyList<string> Streams { get; }

    /// <summary>Text messages the client sent (subscriptions, pings).</summary>
    public IReadOnlyList<string> Received => _received.ToArray();

    /// <summary>Completes when the connection has ended.</summary>
    public Task Closed => _closed.Task;

    public void SendText(string text) => _outgoing.Writer.TryWrite((Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text));

    public void SendBinary(byte[] payload) => _outgoing.Writer.TryWrite((payload, WebSocketMessageType.Binary));

    /// <summary>Kills the TCP connection without a close handshake.</summary>
    public void Drop()
    {
        _outgoing.Writer.TryComplete();
        if (_closed.Task.IsCompleted)
        {
            return;
        }

        try
        {
            _socket.Abort();
            _context.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request ended meanwhile.
        }
    }

    internal async Task RunAsync()
    {
        try
        {
            var sending = SendLoopAsync();
            var buffer = new byte[8192];
            while (_socket.State == WebSocketState.Open)
            {
                var text = new StringBuilder();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        // Finish sending what is queued, then answer the close handshake (one sender at a time).
                        _outgoing.Writer.TryComplete();
                        await sending;
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        return;
                    }

                    text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                }
                while (!result.EndOfMessage);

                var message = text.ToString();
                _received.Enqueue(message);
                if (_pong?.Invoke(message) is { } answer)
                {
                    SendText(answer);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Dropped by the test or by the client.
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var (payload, type) in _outgoing.Reader.ReadAllAsync())
            {
                await _socket.SendAsync(payload, type, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Connection gone.
        }
    }
}
