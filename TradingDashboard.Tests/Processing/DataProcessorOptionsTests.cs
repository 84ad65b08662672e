using TradingDashboard.Tests.Components.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Tests.Processing;

public class DataProcessorOptionsTests
{
    private static ValidateOptionsResult Validate(DataProcessorOptions options) =>
        new DataProcessorOptionsValidator(Options.Create(new TradingOptions())).Validate(null, options);

    [Fact]
    public void Defaults_are_valid_and_resolve_to_the_default_indicators()
    {
        Assert.True(Validate(new DataProcessorOptions()).Succeeded);
        var settings = DataProcessorSettings.From(new TradingOptions(), new DataProcessorOptions());
        Assert.Equal(["ETHUSDT", "BTCUSDT"], settings.Symbols);
        Assert.Equal(Core.Indicators.IndicatorSpec.DefaultNames, settings.IndicatorsFor(Timeframe.OneHour).Select(s => s.Name));
        Assert.Equal([Timeframe.OneSecond], settings.Features!.OptionalTimeframes);
        Assert.Equal(Timeframe.OneMinute, settings.Features.AnchorTimeframe);
    }

    [Theory]
    [InlineData("Indicators", "Trading:Processor:Indicators")]
    [InlineData("ByTimeframe", "Trading:Processor:IndicatorsByTimeframe")]
    [InlineData("Strength", "Trading:Processor:Pivots:Strength")]
    [InlineData("Window", "Trading:Processor:Features:WindowLength")]
    [InlineData("Anchor", "Trading:Processor:Features:AnchorTimeframe")]
    [InlineData("Level", "Trading:Processor:Features:NormalizationLevel")]
    [InlineData("History", "Trading:Processor:HistoryBars")]
    public void A_bad_setting_is_refused_by_name(string what, string setting)
    {
        var options = new DataProcessorOptions();
        switch (what)
        {
            case "Indicators": options.Indicators = ["sma_20", "sma_x"]; break;
            case "ByTimeframe": options.IndicatorsByTimeframe["5m"] = ["sma_20"]; break;
            case "Strength": options.Pivots.Strength = 0; break;
            case "Window": options.Features.WindowLength = 0; break;
            case "Anchor": options.Features.AnchorTimeframe = "1s"; break;
            case "Level": options.Features.NormalizationLevel = 6; break;
            default: options.HistoryBars = 1; break;
        }

        var result = Validate(options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Per_timeframe_indicators_replace_the_default_list()
    {
        var options = new DataProcessorOptions { Indicators = ["ema_50"] };
        options.IndicatorsByTimeframe["1d"] = ["sma_200", "rsi_14"];
        Assert.Equal(["ema_50"], options.IndicatorsFor(Timeframe.OneMinute).Select(s => s.Name));
        Assert.Equal(["sma_200", "rsi_14"], options.IndicatorsFor(Timeframe.OneDay).Select(s => s.Name));
    }

    [Fact]
    public void The_repository_appsettings_section_binds_and_is_valid()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TradingDashboard.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(dir!.FullName, "appsettings.json")).Build();
        var trading = configuration.GetSection(TradingOptions.SectionName).Get<TradingOptions>()!;
        var options = configuration.GetSection(DataProcessorOptions.SectionName).Get<DataProcessorOptions>()!;
        var result = new DataProcessorOptionsValidator(Options.Create(trading)).Validate(null, options);
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(Core.Indicators.IndicatorSpec.DefaultNames, options.Indicators);
        Assert.Equal(32, options.Features.WindowLength);
        var settings = DataProcessorSettings.From(trading, options);
        Assert.Equal(4, settings.Features!.Timeframes.Count);
    }

    private static IHost BuildHost(string directory, Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = directory, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddSingleton<ICandleCache, FakeCandleCache>();
        builder.Services.AddDataProcessor();
        return builder.Build();
    }

    [Fact]
    public async Task AddDataProcessor_registers_the_stage_state_and_store_and_validates_at_start()
    {
        var directory = Path.Combine(Path.GetTempPath(), "td-di-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            using (var host = BuildHost(directory, new() { ["Trading:Storage:DataDirectory"] = "data", ["Trading:Processor:HistoryBars"] = "100" }))
            {
                await host.StartAsync();
                var process = Assert.Single(host.Services.GetServices<IManagedProcess>());
                Assert.Equal("data-processor", process.Name);
                Assert.Same(host.Services.GetRequiredService<DataProcessorState>(), host.Services.GetRequiredService<IDataProcessorState>());
                Assert.IsType<SqlitePivotStore>(host.Services.GetRequiredService<IPivotStore>());
                Assert.Equal(100, host.Services.GetRequiredService<IOptions<DataProcessorOptions>>().Value.HistoryBars);
                Assert.True(File.Exists(Path.Combine(directory, "data", "trading.db")));
                await host.StopAsync();
            }

            using var bad = BuildHost(directory, new() { ["Trading:Storage:DataDirectory"] = "data", ["Trading:Processor:Features:WindowLength"] = "0" });
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync());
            Assert.Contains("Trading:Processor:Features:WindowLength", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
