using TradingDashboard.Tests.Exchanges.Trading;

namespace TradingDashboard.Tests.Fakes;

/// <summary>
/// Loopback Binance spot trading fake: signed REST (X-MBX-APIKEY, numeric ids, FULL placement answers with fills,
/// exchangeInfo filters) and the WebSocket API user data stream. See <see cref="FakeSpotVenue"/>.
/// </summary>
public sealed class FakeBinanceTradingServer : FakeSpotVenue
{
    public static readonly FakeSpotDialect BinanceDialect = new("Binance", "X-MBX-APIKEY", StringIds: false, ClientOrderIdInTrades: false, FullPlacementAnswer: true, BinanceFilters: true);

    private FakeBinanceTradingServer(Microsoft.AspNetCore.Builder.WebApplication app)
        : base(app, BinanceDialect)
    {
    }

    public static Task<FakeBinanceTradingServer> StartAsync() => StartAsync(BinanceDialect, app => new FakeBinanceTradingServer(app));
}
