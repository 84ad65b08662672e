using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.MarketData;
using TradingDashboard.Tests.Storage;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.Pipeline;

public sealed class MarketDataRegistrationTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private ServiceProvider Build(ScriptedSource source)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_db.Database);
        services.AddSingleton<IAuditLog, InMemoryAuditLog>();
        services.Configure<TradingOptions>(o =>
        {
            o.Symbols = ["ETHUSDT"];
            o.Timeframes = ["1m", "1h"];
            o.MarketData.Sources = "Binance,Mexc";
            o.MarketData.BackfillCandles = 10;
        });
        services.AddSingleton<IMarketDataSource>(source);
        services.AddMarketData();
        services.AddMarketData(); // twice is harmless
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void Registers_the_pipeline_once_with_shared_singletons()
    {
        using var sp = Build(new ScriptedSource("Binance", ScriptedSource.TradeCapabilities));

        Assert.Same(TimeProvider.System, sp.GetRequiredService<TimeProvider>());
        Assert.Same(sp.GetRequiredService<CandleCache>(), sp.GetRequiredService<ICandleCache>());
        Assert.Same(sp.GetRequiredService<SqliteCandleStore>(), sp.GetRequiredService<ICandleStore>());
        Assert.Same(sp.GetRequiredService<MarketDataStatusProvider>(), sp.GetRequiredService<IMarketDataStatusProvider>());
        Assert.Same(sp.GetRequiredService<DataProvider>(), sp.GetRequiredService<IMarketDataSink>());
        Assert.IsType<AlertService>(sp.GetRequiredService<IAlertService>());
        Assert.NotNull(sp.GetRequiredService<MarketDataMetrics>());
        Assert.Equal(["candle-storage", "market-data"], sp.GetRequiredService<IProcessController>().List().Select(p => p.Name));
        Assert.Single(sp.GetServices<IHostedService>().OfType<ProcessHostService>());
        // Mexc is configured but not registered: skipped.
        Assert.Equal(["Binance"], sp.GetRequiredService<DataProvider>().Chain.Sources.Select(s => s.Name));
    }

    [Fact]
    public async Task The_host_service_runs_the_pipeline_end_to_end()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        using var sp = Build(binance);
        var host = sp.GetServices<IHostedService>().OfType<ProcessHostService>().Single();
        var controller = sp.GetRequiredService<IProcessController>();

        await host.StartAsync(CancellationToken.None);
        try
        {
            await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");
            Assert.All(controller.List(), p => Assert.Equal(ProcessState.Running, p.State));
            Assert.Equal("Binance", sp.GetRequiredService<IMarketDataStatusProvider>().Current.ActiveSource);
            // The start-up backfill reaches the store through candle-storage.
            var store = sp.GetRequiredService<ICandleStore>();
            await WaitUntilAsync(() => store.CountAsync("ETHUSDT", Core.Domain.Timeframe.OneHour).GetAwaiter().GetResult() == 10, "history is stored");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        Assert.All(controller.List(), p => Assert.Equal(ProcessState.Stopped, p.State));
    }
}
