using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Configuration;

/// <summary>The "Trading" section of appsettings.json. Every property is documented in the README.</summary>
public sealed class TradingOptions
{
    public const string SectionName = "Trading";

    /// <summary>Symbols to watch; the first is the primary (traded) symbol, the others are references.</summary>
    public List<string> Symbols { get; set; } = ["ETHUSDT", "BTCUSDT"];

    /// <summary>Candle timeframes by code: 1s, 1m, 1h, 1d.</summary>
    public List<string> Timeframes { get; set; } = ["1s", "1m", "1h", "1d"];

    public MarketDataOptions MarketData { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public IReadOnlyList<Timeframe> ParsedTimeframes() => Timeframes.Select(TimeframeExtensions.Parse).Distinct().Order().ToList();

    public string PrimarySymbol => Symbols[0];
}

public sealed class MarketDataOptions
{
    /// <summary>Fallback order as one comma-separated string of Binance, Mexc, Replay (so one environment variable sets it).</summary>
    public string Sources { get; set; } = "Binance,Mexc,Replay";

    /// <summary>Folder searched recursively for Binance-format kline/trade dumps; Replay is skipped in the chain when empty.</summary>
    public string? ReplayDirectory { get; set; }

    /// <summary>0 = as fast as possible, 1 = real time, 60 = one minute of market time per second.</summary>
    public double ReplaySpeed { get; set; } = 60;

    /// <summary>Seconds without any message after which the active source counts as silent and the next one takes over.</summary>
    public int SilenceTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds between attempts to return to a preferred source after a fallback.</summary>
    public int ProbeIntervalSeconds { get; set; } = 60;

    /// <summary>How much history to backfill on start when the store is empty, per timeframe (number of candles).</summary>
    public int BackfillCandles { get; set; } = 1000;

    /// <summary>Candles kept in memory per symbol and timeframe for the dashboard and the API.</summary>
    public int CacheCandles { get; set; } = 2000;

    public BinanceOptions Binance { get; set; } = new();

    public MexcOptions Mexc { get; set; } = new();

    public IReadOnlyList<string> ParsedSources() =>
        Sources.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class BinanceOptions
{
    public string RestBaseUrl { get; set; } = "https://api.binance.com";

    /// <summary>Base of the combined-stream endpoint; the client appends /stream?streams=...</summary>
    public string WebSocketBaseUrl { get; set; } = "wss://stream.binance.com:9443";

    /// <summary>Trade stream used to build candles: "trade" or "aggTrade".</summary>
    public string TradeStream { get; set; } = "aggTrade";
}

public sealed class MexcOptions
{
    public string RestBaseUrl { get; set; } = "https://api.mexc.com";

    public string WebSocketBaseUrl { get; set; } = "wss://wbs-api.mexc.com/ws";

    /// <summary>When true, live data is polled over REST instead of the protobuf WebSocket stream.</summary>
    public bool UseRestPolling { get; set; }

    /// <summary>REST polling interval in milliseconds (polling mode only).</summary>
    public int PollIntervalMs { get; set; } = 2000;
}

public sealed class StorageOptions
{
    /// <summary>Folder for the SQLite file (relative paths are under the repository root / content root).</summary>
    public string DataDirectory { get; set; } = "data";

    public string DatabaseFileName { get; set; } = "trading.db";
}

public sealed class AuthOptions
{
    /// <summary>Password of the first admin, used only on the first start when no user exists yet.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>API token for the first admin, used only on the first start when no user exists yet.</summary>
    public string? AdminApiToken { get; set; }

    /// <summary>Name of the first admin.</summary>
    public string AdminUserName { get; set; } = "admin";

    /// <summary>Failed logins allowed per user name and address within <see cref="LockoutMinutes"/>.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 5;
}
