using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Exchanges.Trading;

public sealed class VenueOptionsTests
{
    private static ValidateOptionsResult Validate(ExecutionOptions execution, BinanceTradingOptions? binance = null, MexcTradingOptions? mexc = null) =>
        new ExchangeCredentialsValidator(Options.Create(binance ?? new BinanceTradingOptions()), Options.Create(mexc ?? new MexcTradingOptions()))
            .Validate(null, execution);

    [Fact]
    public void Live_Binance_without_keys_fails_naming_both_settings()
    {
        var result = Validate(new ExecutionOptions { Mode = TradingMode.Live, Venue = "Binance" });
        Assert.True(result.Failed);
        Assert.Contains("Trading:Execution:Binance:ApiKey", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Trading:Execution:Binance:ApiSecret", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Trading__Execution__Binance__ApiKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Live_Mexc_with_only_a_key_fails_naming_the_secret()
    {
        var result = Validate(new ExecutionOptions { Mode = TradingMode.Live, Venue = "Mexc" }, mexc: new MexcTradingOptions { ApiKey = "k" });
        Assert.True(result.Failed);
        Assert.Contains("Trading:Execution:Mexc:ApiSecret", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Mexc:ApiKey is missing", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Live_with_keys_passes_and_paper_venue_needs_none()
    {
        Assert.True(Validate(new ExecutionOptions { Mode = TradingMode.Live, Venue = "Binance" }, new BinanceTradingOptions { ApiKey = "k", ApiSecret = "s" }).Succeeded);
        Assert.True(Validate(new ExecutionOptions { Mode = TradingMode.Paper, Venue = "Paper" }).Succeeded);
    }

    [Fact]
    public void Paper_mode_on_Binance_must_use_the_testnet()
    {
        var keys = new BinanceTradingOptions { ApiKey = "k", ApiSecret = "s" };
        Assert.Contains("UseTestnet", Validate(new ExecutionOptions { Venue = "Binance" }, keys).FailureMessage, StringComparison.Ordinal);
        keys.UseTestnet = true;
        Assert.True(Validate(new ExecutionOptions { Venue = "Binance" }, keys).Succeeded);
        Assert.Equal(BinanceTradingOptions.TestnetRestUrl, keys.ResolvedRestBaseUrl());
        Assert.Equal(BinanceTradingOptions.TestnetWebSocketApiUrl, keys.ResolvedWebSocketUrl());
    }

    [Fact]
    public void Keys_bind_from_configuration_and_the_keyed_venues_resolve()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The same keys environment variables Trading__Execution__Binance__ApiKey etc. produce.
            ["Trading:Execution:Binance:ApiKey"] = "bound-key",
            ["Trading:Execution:Binance:ApiSecret"] = "bound-secret",
            ["Trading:Execution:Binance:UseTestnet"] = "true",
            ["Trading:Execution:Mexc:ApiKey"] = "mk",
            ["Trading:Execution:Mexc:ApiSecret"] = "ms",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddExchangeVenues();
        using var provider = services.BuildServiceProvider();

        var binance = provider.GetRequiredService<IOptions<BinanceTradingOptions>>().Value;
        Assert.Equal(("bound-key", "bound-secret", true), (binance.ApiKey, binance.ApiSecret, binance.UseTestnet));
        var binanceClient = Assert.IsType<BinanceTradingClient>(provider.GetRequiredKeyedService<IBrokerageApi>("Binance"));
        Assert.Equal("Binance", binanceClient.Name);
        var mexcClient = Assert.IsType<MexcTradingClient>(provider.GetRequiredKeyedService<IBrokerageApi>("Mexc"));
        Assert.Equal("Mexc", mexcClient.Name);
        Assert.Contains(provider.GetServices<IValidateOptions<ExecutionOptions>>(), v => v is ExchangeCredentialsValidator);
    }
}

public sealed class VenueStartupValidationTests
{
    [Fact]
    public void Host_options_refuse_Live_Binance_without_keys_naming_the_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Trading:Execution:Mode"] = "Live",
            ["Trading:Execution:Venue"] = "Binance",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddTradingCore(configuration);
        services.AddExchangeVenues();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ExecutionOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.Contains("Trading:Execution:Binance:ApiKey", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Trading:Execution:Binance:ApiSecret", StringComparison.Ordinal));
    }
}
