using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Configuration;

/// <summary>Rejects a bad "Trading" section at start, naming the setting.</summary>
public sealed class TradingOptionsValidator : IValidateOptions<TradingOptions>
{
    public static readonly IReadOnlyList<string> KnownSources = ["Binance", "Mexc", "Replay"];

    public ValidateOptionsResult Validate(string? name, TradingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.Symbols.Count == 0)
        {
            errors.Add("Trading:Symbols must list at least one symbol.");
        }

        foreach (var symbol in options.Symbols)
        {
            if (string.IsNullOrWhiteSpace(symbol) || !symbol.All(char.IsAsciiLetterOrDigit) || symbol != symbol.ToUpperInvariant())
            {
                errors.Add($"Trading:Symbols has an invalid symbol '{symbol}' (expected upper-case letters and digits, e.g. ETHUSDT).");
            }
        }

        if (options.Timeframes.Count == 0)
        {
            errors.Add("Trading:Timeframes must list at least one timeframe.");
        }

        foreach (var tf in options.Timeframes)
        {
            if (!TimeframeExtensions.TryParse(tf, out _))
            {
                errors.Add($"Trading:Timeframes has an unknown timeframe '{tf}' (expected 1s, 1m, 1h or 1d).");
            }
        }

        var md = options.MarketData;
        var sources = md.ParsedSources();
        if (sources.Count == 0)
        {
            errors.Add("Trading:MarketData:Sources must name at least one source (Binance, Mexc, Replay).");
        }

        foreach (var source in sources)
        {
            if (!KnownSources.Contains(source, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"Trading:MarketData:Sources has an unknown source '{source}' (expected Binance, Mexc or Replay).");
            }
        }

        if (sources.Count(s => s.Equals("Replay", StringComparison.OrdinalIgnoreCase)) == sources.Count && sources.Count > 0)
        {
            if (string.IsNullOrWhiteSpace(md.ReplayDirectory))
            {
                errors.Add("Trading:MarketData:ReplayDirectory must be set when Replay is the only source.");
            }
            else if (!Directory.Exists(md.ReplayDirectory))
            {
                errors.Add($"Trading:MarketData:ReplayDirectory '{md.ReplayDirectory}' does not exist.");
            }
        }

        if (double.IsNaN(md.ReplaySpeed) || md.ReplaySpeed < 0)
        {
            errors.Add("Trading:MarketData:ReplaySpeed must be 0 (as fast as possible) or a positive speed factor.");
        }

        if (md.SilenceTimeoutSeconds <= 0)
        {
            errors.Add("Trading:MarketData:SilenceTimeoutSeconds must be positive.");
        }

        if (md.ProbeIntervalSeconds <= 0)
        {
            errors.Add("Trading:MarketData:ProbeIntervalSeconds must be positive.");
        }

        if (md.BackfillCandles is < 0 or > 100_000)
        {
            errors.Add("Trading:MarketData:BackfillCandles must be between 0 and 100000.");
        }

        if (md.CacheCandles is < 500 or > 1_000_000)
        {
            errors.Add("Trading:MarketData:CacheCandles must be between 500 and 1000000.");
        }

        CheckUrl(errors, "Trading:MarketData:Binance:RestBaseUrl", md.Binance.RestBaseUrl, "http", "https");
        CheckUrl(errors, "Trading:MarketData:Binance:WebSocketBaseUrl", md.Binance.WebSocketBaseUrl, "ws", "wss");
        CheckUrl(errors, "Trading:MarketData:Mexc:RestBaseUrl", md.Mexc.RestBaseUrl, "http", "https");
        CheckUrl(errors, "Trading:MarketData:Mexc:WebSocketBaseUrl", md.Mexc.WebSocketBaseUrl, "ws", "wss");

        if (md.Binance.TradeStream is not ("trade" or "aggTrade"))
        {
            errors.Add("Trading:MarketData:Binance:TradeStream must be 'trade' or 'aggTrade'.");
        }

        if (md.Mexc.PollIntervalMs < 200)
        {
            errors.Add("Trading:MarketData:Mexc:PollIntervalMs must be at least 200.");
        }

        if (string.IsNullOrWhiteSpace(options.Storage.DataDirectory))
        {
            errors.Add("Trading:Storage:DataDirectory must be set.");
        }

        if (options.Auth.AdminPassword is { Length: > 0 and < 8 })
        {
            errors.Add("Trading:Auth:AdminPassword must be at least 8 characters.");
        }

        if (options.Auth.AdminApiToken is { Length: > 0 and < 24 })
        {
            errors.Add("Trading:Auth:AdminApiToken must be at least 24 characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUrl(List<string> errors, string setting, string? value, params string[] schemes)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{setting} '{value}' is not a valid {string.Join("/", schemes)} URL.");
        }
    }
}
