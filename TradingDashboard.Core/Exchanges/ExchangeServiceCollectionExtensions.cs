using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

public static class ExchangeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BinanceMarketDataSource"/> and <see cref="MexcMarketDataSource"/> as singletons, each also as an
    /// <see cref="IMarketDataSource"/>. REST goes through named IHttpClientFactory clients (<see cref="BinanceMarketDataSource.HttpClientName"/>,
    /// <see cref="MexcMarketDataSource.HttpClientName"/>); URLs and modes come from <see cref="IOptions{TradingOptions}"/>
    /// (Trading:MarketData:Binance / :Mexc), bound by the host. TimeProvider and MarketDataMetrics are added only if absent.
    /// </summary>
    public static IServiceCollection AddExchangeMarketData(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MarketDataMetrics>();

        AddVenueHttpClient(services, BinanceMarketDataSource.HttpClientName);
        AddVenueHttpClient(services, MexcMarketDataSource.HttpClientName);

        services.TryAddSingleton(sp => new BinanceMarketDataSource(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(BinanceMarketDataSource.HttpClientName),
            sp.GetRequiredService<IOptions<TradingOptions>>().Value.MarketData.Binance,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MarketDataMetrics>(),
            sp.GetRequiredService<ILogger<BinanceMarketDataSource>>()));
        services.TryAddSingleton(sp => new MexcMarketDataSource(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(MexcMarketDataSource.HttpClientName),
            sp.GetRequiredService<IOptions<TradingOptions>>().Value.MarketData.Mexc,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MarketDataMetrics>(),
            sp.GetRequiredService<ILogger<MexcMarketDataSource>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMarketDataSource, BinanceMarketDataSource>(sp => sp.GetRequiredService<BinanceMarketDataSource>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMarketDataSource, MexcMarketDataSource>(sp => sp.GetRequiredService<MexcMarketDataSource>()));
        return services;
    }

    private static void AddVenueHttpClient(IServiceCollection services, string name)
    {
        // The sources are singletons that keep their HttpClient: recycle pooled connections (DNS changes) in the
        // handler instead of relying on the factory's handler rotation.
        services.AddHttpClient(name, client =>
            {
                // Each request carries its own timeout (ExchangeClientSettings.RestRequestTimeout).
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("TradingDashboard/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
    }
}
