using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Risk;

namespace TradingDashboard.Tests.Execution;

public sealed class TradingCoreRegistrationTests : IDisposable
{
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"td-di-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_dbPath + suffix);
        }
    }

    private static string RepositoryAppSettings()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TradingDashboard.sln")))
            {
                return Path.Combine(dir.FullName, "appsettings.json");
            }
        }

        throw new FileNotFoundException("appsettings.json of the repository not found");
    }

    private ServiceProvider Build(Dictionary<string, string?>? overrides = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(RepositoryAppSettings())
            .AddInMemoryCollection(overrides ?? [])
            .Build();
        var clock = ExecutionTestKit.Clock();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(new SqliteDatabase(new SqliteConnectionStringBuilder { DataSource = _dbPath }.ToString()));
        services.AddSingleton<IAuditLog>(new RecordingAuditLog(clock));
        services.AddOptions<TradingOptions>().Bind(configuration.GetSection(TradingOptions.SectionName));
        services.AddTradingCore(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public async Task The_repository_settings_bind_validate_and_wire_a_paper_trading_core()
    {
        await using var provider = Build();
        var execution = provider.GetRequiredService<IOptions<ExecutionOptions>>().Value;
        Assert.Equal(TradingMode.Paper, execution.Mode);
        Assert.Equal(0.001m, execution.Paper.TakerFeeRate);
        Assert.Equal(2, execution.SymbolRules.Count);
        Assert.Equal(0.0001m, execution.ParsedSymbolRules().Single(r => r.Symbol == "ETHUSDT").StepSize);
        var risk = provider.GetRequiredService<IOptions<RiskOptions>>().Value;
        Assert.Equal(StopLossMode.Atr, risk.StopLoss.Mode);
        Assert.Equal(0.2m, risk.MaxDrawdown);

        Assert.IsType<PaperExchange>(provider.GetRequiredService<IBrokerageApi>());
        var executor = provider.GetRequiredService<TradingExecutor>();
        Assert.Same(provider.GetRequiredService<OrderManager>(), executor.Orders);
        Assert.NotNull(provider.GetRequiredService<KillSwitch>());
        Assert.Contains(provider.GetServices<IManagedProcess>(), p => p.Name == "trading-executor");

        await executor.Orders.ReconcileAsync(["ETHUSDT", "BTCUSDT"]);
        Assert.True(executor.Orders.IsReady);
        Assert.Equal(10_000m, executor.Orders.Positions.Cash);
    }

    [Fact]
    public void A_live_mode_on_the_paper_venue_stops_the_start_naming_the_setting()
    {
        using var provider = Build(new() { ["Trading:Execution:Mode"] = "Live" });
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ExecutionOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.Contains("Trading:Execution:Venue must be Binance or Mexc when Trading:Execution:Mode is Live", StringComparison.Ordinal));
    }

    [Fact]
    public void A_venue_without_a_client_is_refused_with_a_clear_message()
    {
        using var provider = Build(new() { ["Trading:Execution:Venue"] = "Binance" });
        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IBrokerageApi>());
        Assert.Contains("Trading:Execution:Venue is 'Binance'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Trading:Execution:Paper:MaxVolumeParticipation", "0", "Trading:Execution:Paper:MaxVolumeParticipation")]
    [InlineData("Trading:Execution:Paper:TakerFeeRate", "0.5", "Trading:Execution:Paper:MakerFeeRate and Paper:TakerFeeRate")]
    [InlineData("Trading:Execution:SymbolRules:0:TickSize", "0", "Trading:Execution:SymbolRules:0")]
    [InlineData("Trading:Execution:SymbolRules:1:QuoteAsset", "BTC", "quote asset BTC of BTCUSDT")]
    [InlineData("Trading:Execution:Paper:MatchTimeframe", "1h", "Trading:Execution:Paper:MatchTimeframe")]
    public void Bad_execution_settings_are_named(string key, string value, string expected)
    {
        using var provider = Build(new() { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ExecutionOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Trading:Risk:MaxDrawdown", "1.5", "Trading:Risk:MaxDrawdown")]
    [InlineData("Trading:Risk:MaxOpenOrders", "0", "Trading:Risk:MaxOpenOrders")]
    [InlineData("Trading:Risk:CircuitBreaker:WindowSeconds", "0", "Trading:Risk:CircuitBreaker:WindowSeconds")]
    [InlineData("Trading:Risk:LiveRamp:MaxOrderNotional", "500", "Trading:Risk:LiveRamp:MaxOrderNotional must not exceed")]
    [InlineData("Trading:Risk:MaxPositionNotionalPerSymbol", "20000", "Trading:Risk:MaxPositionNotionalPerSymbol must not exceed")]
    public void Bad_risk_settings_are_named(string key, string value, string expected)
    {
        using var provider = Build(new() { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RiskOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }
}
