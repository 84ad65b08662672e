using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Exchanges;

public class ExchangeServiceCollectionExtensionsTests
{
    [Fact]
    public void Registers_both_sources_once_as_singletons_with_the_configured_urls()
    {
        var time = new FakeTimeProvider();
        var metrics = new MarketDataMetrics();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(metrics);
        services.Configure<TradingOptions>(o =>
        {
            o.MarketData.Binance.RestBaseUrl = "http://127.0.0.1:1";
            o.MarketData.Mexc.UseRestPolling = true;
        });

        services.AddExchangeMarketData();
        services.AddExchangeMarketData(); // idempotent
        using var provider = services.BuildServiceProvider();

        var sources = provider.GetServices<IMarketDataSource>().ToList();
        Assert.Equal(["Binance", "Mexc"], sources.Select(s => s.Name));
        var binance = provider.GetRequiredService<BinanceMarketDataSource>();
        var mexc = provider.GetRequiredService<MexcMarketDataSource>();
        Assert.Same(binance, sources[0]);
        Assert.Same(mexc, sources[1]);
        Assert.Equal("http://127.0.0.1:1", binance.Rest.BaseUrl);
        Assert.True(mexc.Capabilities.Polling);
        // The host's TimeProvider and metrics are kept, not replaced.
        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
        Assert.Same(metrics, provider.GetRequiredService<MarketDataMetrics>());
    }

    [Fact]
    public void Adds_a_time_provider_and_metrics_when_the_host_has_none()
    {
        var services = new ServiceCollection();
        services.AddExchangeMarketData();
        using var provider = services.BuildServiceProvider();

        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<MarketDataMetrics>());
        Assert.Equal(new TradingOptions().MarketData.Binance.RestBaseUrl, provider.GetRequiredService<BinanceMarketDataSource>().Rest.BaseUrl);
        Assert.Equal(2, provider.GetServices<IMarketDataSource>().Count());
        Assert.NotNull(provider.GetRequiredService<IOptions<TradingOptions>>().Value);
    }
}
