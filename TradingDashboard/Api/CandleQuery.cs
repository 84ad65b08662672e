using System.Globalization;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Api;

/// <summary>A validated GET /api/candles request.</summary>
public sealed record CandleQuery(string Symbol, Timeframe Timeframe, int Limit)
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 5000;

    /// <summary>Checks the raw query values against Trading:Symbols and Trading:Timeframes; error is the message for a 400.</summary>
    public static bool TryParse(string? symbol, string? timeframe, string? limit, TradingOptions options, out CandleQuery? query, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        query = null;
        var symbols = options.Symbols;
        if (string.IsNullOrWhiteSpace(symbol))
        {
            error = $"Query parameter 'symbol' is required (one of {string.Join(", ", symbols)}).";
            return false;
        }

        var known = symbols.FirstOrDefault(s => string.Equals(s, symbol.Trim(), StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            error = $"Unknown symbol '{symbol}' (configured: {string.Join(", ", symbols)}).";
            return false;
        }

        var configured = options.ParsedTimeframes();
        var configuredCodes = string.Join(", ", configured.Select(t => t.ToCode()));
        if (string.IsNullOrWhiteSpace(timeframe))
        {
            error = $"Query parameter 'timeframe' is required (one of {configuredCodes}).";
            return false;
        }

        if (!TimeframeExtensions.TryParse(timeframe, out var tf) || !configured.Contains(tf))
        {
            error = $"Unknown timeframe '{timeframe}' (configured: {configuredCodes}).";
            return false;
        }

        var count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxLimit))
        {
            error = $"Invalid limit '{limit}' (expected a whole number from 1 to {MaxLimit}).";
            return false;
        }

        query = new CandleQuery(known, tf, count);
        error = null;
        return true;
    }
}

/// <summary>One candle as the API returns it; openTime is Unix milliseconds (UTC).</summary>
public sealed record CandleDto(long OpenTime, double Open, double High, double Low, double Close, double Volume, bool Closed)
{
    public static CandleDto From(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        return new CandleDto(bar.OpenTimeMs, bar.Open, bar.High, bar.Low, bar.Close, bar.Volume, bar.IsClosed);
    }
}
