using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

/// <summary>What the venue-specific handler made of one frame.</summary>
internal enum FrameResult
{
    /// <summary>Nothing delivered (ack, pong, rejected input).</summary>
    Continue,

    /// <summary>At least one valid market data message went to the sink.</summary>
    Delivered,

    /// <summary>The venue announced a shutdown: replace the connection now.</summary>
    Reconnect,
}

/// <summary>The venue-specific part of a stream connection.</summary>
internal interface IWebSocketFrameHandler
{
    /// <summary>Application-level keep-alive sent every <see cref="ExchangeClientSettings.PingInterval"/>; empty for none.</summary>
    ReadOnlyMemory<byte> PingMessage { get; }

    /// <summary>Called once the handshake is done, before any frame is read (e.g. to send subscriptions).</summary>
    Task OnConnectedAsync(ClientWebSocket socket, CancellationToken cancellationToken);

    /// <summary>Handles one complete message. <paramref name="frame"/> is valid only until the returned task completes.</summary>
    ValueTask<FrameResult> OnFrameAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type, CancellationToken cancellationToken);
}

/// <summary>
/// Keeps one WebSocket stream up: connects, reads whole messages into a pooled buffer and hands them to the handler,
/// treats a connection without any frame for <see cref="ExchangeClientSettings.ReceiveTimeout"/> as dead, replaces a
/// connection before the venue's 24 h limit (or on a shutdown notice) by connecting the new one first and draining the
/// old one, and reconnects after a drop with exponential backoff. Reports each up/down to the sink. Throws
/// <see cref="ExchangeConnectionException"/> after <see cref="ExchangeClientSettings.MaxConsecutiveFailures"/> connections
/// in a row failed to connect or ended without delivering a valid message.
/// </summary>
internal sealed class WebSocketStreamRunner
{
    private const int InitialBufferSize = 16 * 1024;
    private const int MaxMessageSize = 1024 * 1024;

    private readonly string _source;
    private readonly Uri _uri;
    private readonly string _label;
    private readonly IWebSocketFrameHandler _handler;
    private readonly IMarketDataSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExchangeClientSettings _settings;
    private readonly ReconnectBackoff _backoff;

    public WebSocketStreamRunner(
        string source,
        Uri uri,
        string label,
        IWebSocketFrameHandler handler,
        IMarketDataSink sink,
        TimeProvider timeProvider,
        ILogger logger,
        ExchangeClientSettings settings)
    {
        _source = source;
        _uri = uri;
        _label = label;
        _handler = handler;
        _sink = sink;
        _time = timeProvider;
        _logger = logger;
        _settings = settings;
        _backoff = new ReconnectBackoff(settings.InitialReconnectDelay, settings.MaxReconnectDelay);
    }

    private enum EndKind
    {
        Dropped,
        Silent,
        Rotate,
        Shutdown,
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        ClientWebSocket? replacement = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var socket = replacement;
                replacement = null;
                if (socket is null)
                {
                    try
                    {
                        socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        failures++;
                        _logger.LogWarning("{Source} could not connect to {Uri} ({Failures} of {MaxFailures} consecutive failures): {Error}", _source, _uri, failures, _settings.MaxConsecutiveFailures, ex.Message);
                        await _sink.OnConnectionChangedAsync(_source, false, $"{_label}connect failed ({failures}/{_settings.MaxConsecutiveFailures}): {ex.Message}", cancellationToken).ConfigureAwait(false);
                        if (failures >= _settings.MaxConsecutiveFailures)
                        {
                            throw new ExchangeConnectionException($"{_source}: {failures} consecutive connection failures to {_uri}; last: {ex.Message}", ex);
                        }

                        await Task.Delay(_backoff.Delay(failures), _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    _logger.LogInformation("{Source} connected to {Uri}", _source, _uri);
                    await _sink.OnConnectionChangedAsync(_source, true, $"{_label}connected to {_uri.Host}:{_uri.Port}", cancellationToken).ConfigureAwait(false);
                }

                (EndKind end, string reason, bool delivered) outcome;
                try
                {
                    outcome = await ReadUntilEndAsync(socket, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                if (outcome.delivered)
                {
                    failures = 0;
                }

                if (outcome.end is EndKind.Rotate or EndKind.Shutdown)
                {
                    replacement = await TryConnectReplacementAsync(cancellationToken).ConfigureAwait(false);
                    if (replacement is not null)
                    {
                        await DrainAsync(socket, cancellationToken).ConfigureAwait(false);
                        socket.Dispose();
                        _logger.LogInformation("{Source} replaced its connection ({Reason})", _source, outcome.reason);
                        await _sink.OnConnectionChangedAsync(_source, true, $"{_label}connection replaced: {outcome.reason}", cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                socket.Dispose();
                if (!outcome.delivered)
                {
                    failures++;
                }

                _logger.LogWarning("{Source} connection lost: {Reason}", _source, outcome.reason);
                await _sink.OnConnectionChangedAsync(_source, false, $"{_label}{outcome.reason}", cancellationToken).ConfigureAwait(false);
                if (failures >= _settings.MaxConsecutiveFailures)
                {
                    throw new ExchangeConnectionException($"{_source}: {failures} consecutive connections to {_uri} ended without data; last: {outcome.reason}");
                }

                await Task.Delay(_backoff.Delay(Math.Max(1, failures)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            replacement?.Dispose();
        }
    }

    private async Task<ClientWebSocket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            using var timeout = new CancellationTokenSource(_settings.ConnectTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            await socket.ConnectAsync(_uri, linked.Token).ConfigureAwait(false);
            await _handler.OnConnectedAsync(socket, linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no WebSocket handshake within {_settings.ConnectTimeout.TotalSeconds} s", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<ClientWebSocket?> TryConnectReplacementAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("{Source} could not open a replacement connection: {Error}", _source, ex.Message);
            return null;
        }
    }

    private async Task<(EndKind End, string Reason, bool Delivered)> ReadUntilEndAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var silence = new CancellationTokenSource(_settings.ReceiveTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
        using var pingStop = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
        var pings = _handler.PingMessage.IsEmpty ? Task.CompletedTask : SendPingsAsync(socket, pingStop.Token);
        var connectedAt = _time.GetTimestamp();
        var delivered = false;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var count = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult received;
                try
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(count), linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return (EndKind.Silent, $"no message for {_settings.ReceiveTimeout.TotalSeconds} s", delivered);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException)
                {
                    return (EndKind.Dropped, "connection dropped: " + ex.Message, delivered);
                }

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return (EndKind.Dropped, $"closed by the server ({socket.CloseStatus} {socket.CloseStatusDescription})", delivered);
                }

                count += received.Count;
                if (!received.EndOfMessage)
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessageSize)
                        {
                            return (EndKind.Dropped, $"message larger than {MaxMessageSize} bytes", delivered);
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    continue;
                }

                silence.CancelAfter(_settings.ReceiveTimeout);
                var result = await _handler.OnFrameAsync(buffer.AsMemory(0, count), received.MessageType, cancellationToken).ConfigureAwait(false);
                count = 0;
                if (result == FrameResult.Delivered)
                {
                    delivered = true;
                }
                else if (result == FrameResult.Reconnect)
                {
                    return (EndKind.Shutdown, "the server announced a shutdown", delivered);
                }

                if (_time.GetElapsedTime(connectedAt) >= _settings.MaxConnectionAge)
                {
                    return (EndKind.Rotate, $"connection older than {_settings.MaxConnectionAge}", delivered);
                }
            }
        }
        finally
        {
            await pingStop.CancelAsync().ConfigureAwait(false);
            await pings.ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes our side of a replaced connection and processes what it still delivers, until the close handshake or the drain timeout.</summary>
    private async Task DrainAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_settings.DrainTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var count = 0;
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "replaced", linked.Token).ConfigureAwait(false);
            while (socket.State is WebSocketState.CloseSent or WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(count), linked.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                count += received.Count;
                if (!received.EndOfMessage)
                {
                    if (count == buffer.Length)
                    {
                        return;
                    }

                    continue;
                }

                await _handler.OnFrameAsync(buffer.AsMemory(0, count), received.MessageType, cancellationToken).ConfigureAwait(false);
                count = 0;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or WebSocketException or IOException or InvalidOperationException)
        {
            _logger.LogDebug("{Source} stopped draining the replaced connection: {Error}", _source, ex.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendPingsAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_settings.PingInterval, _time, cancellationToken).ConfigureAwait(false);
                await socket.SendAsync(_handler.PingMessage, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection ended; the read loop reports why.
        }
    }
}
