using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>
/// Binance spot user data stream over the WebSocket API (wss://ws-api.binance.com:443/ws-api/v3): on each connection
/// it sends userDataStream.subscribe.signature (apiKey and timestamp, HMAC-SHA256 over "apiKey=..&amp;timestamp=..")
/// and turns the pushed executionReport events ({"subscriptionId":n,"event":{...}}) into <see cref="ExecutionReport"/>s:
/// x=NEW accepted, TRADE a fill (trade id t, qty l, price L, commission n/N, maker m), CANCELED, REJECTED, EXPIRED.
/// The listenKey REST endpoints are not used (Binance deprecated them for spot). Reconnects with
/// <see cref="ReconnectBackoff"/>; after a reconnect it asks for the fills missed while down.
/// </summary>
public sealed class BinanceUserDataStream
{
    private const int MaxMessageSize = 1024 * 1024;

    private readonly Uri _uri;
    private readonly BinanceSigner _signer;
    private readonly Action<ExecutionReport> _publish;
    private readonly Func<DateTimeOffset, CancellationToken, Task> _catchUp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExchangeClientSettings _settings;
    private readonly ReconnectBackoff _backoff;

    public BinanceUserDataStream(
        Uri uri,
        BinanceSigner signer,
        Action<ExecutionReport> publish,
        Func<DateTimeOffset, CancellationToken, Task> catchUpMissedFills,
        TimeProvider timeProvider,
        ILogger logger,
        ExchangeClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(catchUpMissedFills);
        ArgumentNullException.ThrowIfNull(settings);
        _uri = uri;
        _signer = signer;
        _publish = publish;
        _catchUp = catchUpMissedFills;
        _time = timeProvider;
        _logger = logger;
        _settings = settings;
        _backoff = new ReconnectBackoff(settings.InitialReconnectDelay, settings.MaxReconnectDelay);
    }

    /// <summary>Number of successful subscriptions so far (1 after the first connect, +1 per reconnect).</summary>
    public int Subscriptions => Volatile.Read(ref _subscriptions);

    private int _subscriptions;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        DateTimeOffset? downSince = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            string error;
            try
            {
                using var socket = new ClientWebSocket();
                socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    connect.CancelAfter(_settings.ConnectTimeout);
                    await socket.ConnectAsync(_uri, connect.Token).ConfigureAwait(false);
                }

                await SendSubscribeAsync(socket, cancellationToken).ConfigureAwait(false);
                error = await ReadAsync(socket, () =>
                {
                    failures = 0;
                    Interlocked.Increment(ref _subscriptions);
                    if (downSince is { } since)
                    {
                        downSince = null;
                        _ = CatchUpAsync(since, cancellationToken);
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException or IOException)
            {
                error = ex.Message;
            }

            downSince ??= _time.GetUtcNow().AddSeconds(-5);
            failures++;
            var delay = _backoff.Delay(failures);
            VenueLog.StreamDown(_logger, BinanceTradingClient.VenueName, error, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Maps one executionReport event to an execution report; null for events of other kinds.</summary>
    public static ExecutionReport? ToExecutionReport(JsonElement e)
    {
        if (!e.TryGetProperty("e", out var type) || type.GetString() != "executionReport")
        {
            return null;
        }

        var symbol = e.GetProperty("s").GetString() ?? string.Empty;
        var clientOrderId = e.GetProperty("c").GetString() ?? string.Empty;
        var original = e.TryGetProperty("C", out var c) ? c.GetString() : null;
        var orderId = e.GetProperty("i").GetRawText();
        var time = DateTimeOffset.FromUnixTimeMilliseconds(e.TryGetProperty("T", out var t) ? t.GetInt64() : e.GetProperty("E").GetInt64());
        var reason = e.TryGetProperty("r", out var r) ? r.GetString() ?? "NONE" : "NONE";
        switch (e.GetProperty("x").GetString())
        {
            case "NEW":
                return new ExecutionReport(BinanceTradingClient.VenueName, clientOrderId, ExecutionReportKind.Accepted, time, "NEW on Binance", orderId);
            case "TRADE":
                var quantity = Dec(e.GetProperty("l"));
                var price = Dec(e.GetProperty("L"));
                if (quantity <= 0m || price <= 0m)
                {
                    // Seen in the wild: TRADE events without quantity or price. Nothing to apply; the fill is
                    // recovered from myTrades when the order is reconciled.
                    return null;
                }

                var fill = new Fill(
                    BinanceTradingClient.VenueName,
                    symbol + ":" + e.GetProperty("t").GetRawText(),
                    clientOrderId,
                    symbol,
                    e.GetProperty("S").GetString() == "BUY" ? OrderSide.Buy : OrderSide.Sell,
                    quantity,
                    price,
                    Dec(e.GetProperty("n")),
                    e.TryGetProperty("N", out var n) ? n.GetString() ?? string.Empty : string.Empty,
                    e.TryGetProperty("m", out var m) && m.ValueKind == JsonValueKind.True,
                    time);
                return new ExecutionReport(BinanceTradingClient.VenueName, clientOrderId, ExecutionReportKind.Fill, time, "TRADE on Binance", orderId, fill);
            case "CANCELED":
                return new ExecutionReport(BinanceTradingClient.VenueName, string.IsNullOrEmpty(original) ? clientOrderId : original, ExecutionReportKind.Canceled, time, "CANCELED on Binance", orderId);
            case "REJECTED":
                return new ExecutionReport(BinanceTradingClient.VenueName, clientOrderId, ExecutionReportKind.Rejected, time, reason, orderId);
            case "EXPIRED":
            case "TRADE_PREVENTION":
                return new ExecutionReport(BinanceTradingClient.VenueName, clientOrderId, ExecutionReportKind.Expired, time, $"{e.GetProperty("x").GetString()} on Binance", orderId);
            default:
                return null;
        }
    }

    private async Task CatchUpAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        try
        {
            await _catchUp(since, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is VenueUnavailableException or OperationCanceledException or HttpRequestException)
        {
            VenueLog.PollFailed(_logger, BinanceTradingClient.VenueName, ex.Message);
        }
    }

    private async Task SendSubscribeAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var timestamp = _signer.ServerNowMs().ToString(CultureInfo.InvariantCulture);
        var payload = $"apiKey={_signer.ApiKey}&timestamp={timestamp}";
        var request = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = Guid.NewGuid().ToString("N"),
            method = "userDataStream.subscribe.signature",
            @params = new { apiKey = _signer.ApiKey, timestamp = long.Parse(timestamp, CultureInfo.InvariantCulture), signature = _signer.Sign(payload) },
        });
        await socket.SendAsync(request, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ReadAsync(ClientWebSocket socket, Action onSubscribed, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessageSize)
                        {
                            return "message too large";
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return "closed by Binance";
                }

                if (Handle(buffer.AsMemory(0, count), onSubscribed) is { } end)
                {
                    return end;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Handles one message; returns a reason when the connection must be replaced.</summary>
    private string? Handle(ReadOnlyMemory<byte> message, Action onSubscribed)
    {
        try
        {
            using var doc = JsonDocument.Parse(message);
            var root = doc.RootElement;
            if (root.TryGetProperty("status", out var status))
            {
                if (status.GetInt32() != 200)
                {
                    var error = root.TryGetProperty("error", out var err) && err.TryGetProperty("msg", out var msg) ? msg.GetString() : null;
                    return $"subscription refused ({status.GetInt32()}: {error})";
                }

                var id = root.TryGetProperty("result", out var res) && res.TryGetProperty("subscriptionId", out var sid) ? sid.GetRawText() : "?";
                VenueLog.StreamSubscribed(_logger, BinanceTradingClient.VenueName, id);
                onSubscribed();
                return null;
            }

            if (root.TryGetProperty("event", out var e))
            {
                if (e.TryGetProperty("e", out var type) && type.GetString() == "eventStreamTerminated")
                {
                    return "event stream terminated";
                }

                if (ToExecutionReport(e) is { } report)
                {
                    _publish(report);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            VenueLog.StreamBadMessage(_logger, BinanceTradingClient.VenueName, ex.Message);
        }

        return null;
    }

    private static decimal Dec(JsonElement e) => decimal.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
