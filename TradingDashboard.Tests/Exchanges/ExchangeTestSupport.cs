using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Exchanges;

/// <summary>Collects what a source delivers, for assertions; thread-safe.</summary>
public sealed class RecordingSink : IMarketDataSink
{
    private readonly Lock _lock = new();
    private readonly List<MarketTick> _trades = [];
    private readonly List<OHLCVBar> _klines = [];
    private readonly List<(bool Connected, string Detail)> _connections = [];

    public IReadOnlyList<MarketTick> Trades
    {
        get
        {
            lock (_lock)
            {
                return _trades.ToList();
            }
        }
    }

    public IReadOnlyList<OHLCVBar> Klines
    {
        get
        {
            lock (_lock)
            {
                return _klines.ToList();
            }
        }
    }

    public IReadOnlyList<(bool Connected, string Detail)> ConnectionEvents
    {
        get
        {
            lock (_lock)
            {
                return _connections.ToList();
            }
        }
    }

    public ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _trades.Add(tick);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _klines.Add(bar);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _connections.Add((connected, $"{source}: {detail}"));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> after the timeout.</summary>
    public async Task WaitUntilAsync(Func<RecordingSink, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds * Stopwatch.Frequency);
        while (!condition(this))
        {
            if (Stopwatch.GetTimestamp() > limit)
            {
                throw new TimeoutException($"Timed out waiting for: {what}. Trades {Trades.Count}, klines {Klines.Count}, events [{string.Join("; ", ConnectionEvents)}]");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>Keeps log lines so tests can check that a rejection was logged with its reason.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (_lock)
            {
                return _lines.ToList();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>Short timings so reconnect tests run in milliseconds.</summary>
public static class TestSettings
{
    public static ExchangeClientSettings Fast { get; } = new()
    {
        InitialReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxConsecutiveFailures = 3,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ReceiveTimeout = TimeSpan.FromSeconds(10),
        DrainTimeout = TimeSpan.FromMilliseconds(500),
        RestRetryDelay = TimeSpan.FromMilliseconds(20),
    };
}
