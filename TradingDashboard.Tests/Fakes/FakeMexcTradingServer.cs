using TradingDashboard.Tests.Exchanges.Trading;

namespace TradingDashboard.Tests.Fakes;

/// <summary>
/// Loopback MEXC spot v3 trading fake: signed REST (X-MEXC-APIKEY, string ids, short placement answers, trades that
/// carry clientOrderId, exchangeInfo precisions instead of filters). Fills are read by polling myTrades. See <see cref="FakeSpotVenue"/>.
/// </summary>
public sealed class FakeMexcTradingServer : FakeSpotVenue
{
    public static readonly FakeSpotDialect MexcDialect = new("Mexc", "X-MEXC-APIKEY", StringIds: true, ClientOrderIdInTrades: true, FullPlacementAnswer: false, BinanceFilters: false);

    private FakeMexcTradingServer(Microsoft.AspNetCore.Builder.WebApplication app)
        : base(app, MexcDialect)
    {
    }

    public static Task<FakeMexcTradingServer> StartAsync() => StartAsync(MexcDialect, app => new FakeMexcTradingServer(app));
}
