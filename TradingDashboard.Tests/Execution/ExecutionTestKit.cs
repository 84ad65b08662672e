using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Execution;

/// <summary>Small builders shared by the execution, risk and backtesting tests.</summary>
internal static class ExecutionTestKit
{
    /// <summary>2023-11-14 22:14:00 UTC, on the minute grid.</summary>
    public const long T0 = 1_700_000_040_000L;

    public static SymbolRules EthUsdt { get; } = new("ETHUSDT", "ETH", "USDT", TickSize: 0.01m, StepSize: 0.0001m, MinQuantity: 0.0001m, MinNotional: 5m)
    {
        MaxQuantity = 9000m,
        PriceBandUp = 5m,
        PriceBandDown = 0.2m,
    };

    public static SymbolRules BtcUsdt { get; } = new("BTCUSDT", "BTC", "USDT", TickSize: 0.01m, StepSize: 0.00001m, MinQuantity: 0.00001m, MinNotional: 5m);

    public static FakeTimeProvider Clock(long ms = T0) => new(DateTimeOffset.FromUnixTimeMilliseconds(ms));

    public static OHLCVBar Bar(string symbol, long openMs, double open, double high, double low, double close, double volume, bool closed = true) =>
        new("test", symbol, Timeframe.OneMinute, openMs, open, high, low, close, volume, closed);

    public static PaperExchangeOptions Paper(
        decimal cash = 10_000m,
        decimal maker = 0m,
        decimal taker = 0m,
        decimal slippageBps = 0m,
        decimal impactBps = 0m,
        decimal participation = 1m,
        int latencyMs = 0,
        bool allowShort = false) =>
        new()
        {
            InitialCash = cash,
            MakerFeeRate = maker,
            TakerFeeRate = taker,
            SlippageBps = slippageBps,
            SizeImpactBps = impactBps,
            MaxVolumeParticipation = participation,
            LatencyMs = latencyMs,
            AllowShortSelling = allowShort,
        };

    public static SymbolRulesRegistry Registry() => new([EthUsdt, BtcUsdt]);

    public static VenueOrderRequest Request(string id, OrderSide side, OrderType type, decimal qty, decimal? limit = null, decimal? stop = null, TimeInForce tif = TimeInForce.Gtc, string symbol = "ETHUSDT") =>
        new(id, symbol, side, type, tif, qty, limit, stop);

    /// <summary>Collects every report a venue publishes.</summary>
    public static List<ExecutionReport> Record(IBrokerageApi venue)
    {
        var reports = new List<ExecutionReport>();
        venue.Subscribe(reports.Add);
        return reports;
    }
}
