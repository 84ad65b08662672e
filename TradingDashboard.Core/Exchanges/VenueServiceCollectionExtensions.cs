using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Exchanges;

public static class VenueServiceCollectionExtensions
{
    /// <summary>
    /// Registers the real venues as keyed <see cref="IBrokerageApi"/> services "Binance" (<see cref="BinanceTradingClient"/>)
    /// and "Mexc" (<see cref="MexcTradingClient"/>), which <c>AddTradingCore</c> picks by Trading:Execution:Venue; binds
    /// "Trading:Execution:Binance" and "Trading:Execution:Mexc" from configuration (keys from environment variables or
    /// user secrets); and adds <see cref="ExchangeCredentialsValidator"/>, so the host refuses to start when the chosen
    /// venue's keys are missing. The clients are built only when their venue is chosen.
    /// </summary>
    public static IServiceCollection AddExchangeVenues(this IServiceCollection services)
    {
        services.AddOptions<BinanceTradingOptions>().BindConfiguration(BinanceTradingOptions.SectionName);
        services.AddOptions<MexcTradingOptions>().BindConfiguration(MexcTradingOptions.SectionName);
        services.AddOptions<ExecutionOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExecutionOptions>, ExchangeCredentialsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddKeyedSingleton<IBrokerageApi>(BinanceTradingClient.VenueName, (sp, _) => new BinanceTradingClient(
            new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<IOptions<BinanceTradingOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<BinanceTradingClient>>()));
        services.AddKeyedSingleton<IBrokerageApi>(MexcTradingClient.VenueName, (sp, _) => new MexcTradingClient(
            new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<IOptions<MexcTradingOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MexcTradingClient>>()));
        return services;
    }
}
