using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Tests.Exchanges.Trading;

/// <summary>Records every log line (message, properties and exception) so tests can look for leaked secrets.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var properties = state is IEnumerable<KeyValuePair<string, object?>> kv ? string.Join(";", kv.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
        _lines.Enqueue($"{logLevel} {formatter(state, exception)} [{properties}] {exception}");
    }
}

/// <summary>Builders for the venue trading tests: clients pointed at the fakes, order managers with a SQLite store.</summary>
internal static class VenueTestKit
{
    public static ExchangeClientSettings FastSettings { get; } = new()
    {
        RestRetryDelay = TimeSpan.FromMilliseconds(10),
        RestMaxAttempts = 3,
        InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
    };

    public static BinanceTradingOptions BinanceOptions(FakeSpotVenue venue, string secret = FakeSpotVenue.ApiSecret, bool stream = false, int timeoutMs = 2000) => new()
    {
        ApiKey = FakeSpotVenue.ApiKey,
        ApiSecret = secret,
        RestBaseUrl = venue.RestBaseUrl,
        WebSocketBaseUrl = venue.WebSocketApiUrl,
        UseTestnet = true,
        UserDataStream = stream,
        RequestTimeoutMs = timeoutMs,
    };

    public static BinanceTradingClient Binance(FakeSpotVenue venue, TimeProvider? time = null, string secret = FakeSpotVenue.ApiSecret, bool stream = false, int timeoutMs = 2000, ILogger<BinanceTradingClient>? logger = null) =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, BinanceOptions(venue, secret, stream, timeoutMs), time ?? TimeProvider.System, logger ?? new CapturingLogger<BinanceTradingClient>(), FastSettings);

    public static MexcTradingClient Mexc(FakeSpotVenue venue, TimeProvider? time = null, string secret = FakeSpotVenue.ApiSecret, int timeoutMs = 2000, ILogger<MexcTradingClient>? logger = null) =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, new MexcTradingOptions
        {
            ApiKey = FakeSpotVenue.ApiKey,
            ApiSecret = secret,
            RestBaseUrl = venue.RestBaseUrl,
            RequestTimeoutMs = timeoutMs,
        }, time ?? TimeProvider.System, logger ?? new CapturingLogger<MexcTradingClient>(), FastSettings, startPolling: false);

    public static ExecutionOptions ExecutionOptions() => new() { PlacementAttempts = 3, RetryBaseDelayMs = 0, Mode = TradingMode.Live };

    public static OrderManager Manager(IBrokerageApi venue, IExecutionStore? store = null) =>
        new(venue, new PositionBook("USDT", 10_000m, TimeProvider.System), new SymbolRulesRegistry(), store ?? NullExecutionStore.Instance, ExecutionOptions(), TimeProvider.System);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("Timed out waiting for: " + what);
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>A SQLite file for the execution store that survives a simulated restart.</summary>
internal sealed class TempExecutionDatabase : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-venue-" + Guid.NewGuid().ToString("N"));

    public TempExecutionDatabase()
    {
        Directory.CreateDirectory(_directory);
        Database = new SqliteDatabase(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "exec.db"), Pooling = false }.ToString());
    }

    public SqliteDatabase Database { get; }

    public IExecutionStore Store(string venue) => new SqliteExecutionStore(Database, venue);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
        }
    }
}
