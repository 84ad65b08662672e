using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Pipeline;
using TradingDashboard.Tests.Storage;

namespace TradingDashboard.Tests.Models.Learning;

public sealed class ContinualLearningRegistrationTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"td-root-{Guid.NewGuid():N}");

    public void Dispose()
    {
        _db.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private IHost Build(Dictionary<string, string?> settings, bool withTrainer = false)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = _root, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddSingleton(_db.Database);
        builder.Services.AddSingleton<IAuditLog, InMemoryAuditLog>();
        builder.Services.AddSingleton<IAlertService, AlertService>();
        builder.Services.AddSingleton<IDataProcessorState, LearningProcessorState>();
        builder.Services.AddSingleton<ICandleStore>(sp => new SqliteCandleStore(sp.GetRequiredService<SqliteDatabase>()));
        if (withTrainer)
        {
            builder.Services.AddSingleton<IModelTrainer, FakeModelTrainer>();
        }

        builder.Services.AddContinualLearning();
        builder.Services.AddContinualLearning(); // twice is harmless
        return builder.Build();
    }

    [Fact]
    public void Registers_both_services_and_processes_once_and_defaults_the_output_to_the_models_folder()
    {
        Directory.CreateDirectory(_root);
        using var host = Build(new() { ["Trading:Models:Directory"] = "models-here", ["Trading:Models:ContinualLearning:RetrainAfterPivots"] = "5" });
        var sp = host.Services;
        Assert.Same(sp.GetRequiredService<PredictionOutcomeTracker>(), sp.GetRequiredService<IPredictionOutcomes>());
        Assert.Same(sp.GetRequiredService<ContinualLearningService>(), sp.GetRequiredService<IContinualLearning>());
        Assert.Equal(["prediction-outcomes", "continual-learning"], sp.GetServices<IManagedProcess>().Select(p => p.Name));

        var options = sp.GetRequiredService<IOptions<ContinualLearningOptions>>().Value;
        Assert.Equal(Path.Combine(_root, "models-here"), options.OutputDirectory);
        Assert.Equal(5, options.RetrainAfterPivots);
        Assert.Equal(500, sp.GetRequiredService<IOptions<PredictionOutcomeOptions>>().Value.RollingWindow);

        var status = sp.GetRequiredService<IContinualLearning>().Status;
        Assert.Equal((true, 5, "trainer not available in this host"), (status.Enabled, status.RetrainAfterPivots, status.LastMessage));
    }

    [Fact]
    public void With_a_trainer_registered_it_is_used_and_the_output_falls_back_to_onnx()
    {
        Directory.CreateDirectory(_root);
        using var host = Build([], withTrainer: true);
        Assert.Null(host.Services.GetRequiredService<IContinualLearning>().Status.LastMessage);
        Assert.Equal(Path.Combine(_root, "onnx"), host.Services.GetRequiredService<IOptions<ContinualLearningOptions>>().Value.OutputDirectory);
    }

    [Theory]
    [InlineData("Trading:Models:Outcomes:RollingWindow", "0", "Trading:Models:Outcomes:RollingWindow")]
    [InlineData("Trading:Models:Outcomes:MaxPending", "5", "Trading:Models:Outcomes:MaxPending")]
    [InlineData("Trading:Models:ContinualLearning:RetrainAfterPivots", "-1", "Trading:Models:ContinualLearning:RetrainAfterPivots")]
    [InlineData("Trading:Models:ContinualLearning:Epochs", "0", "Trading:Models:ContinualLearning:Epochs")]
    [InlineData("Trading:Models:ContinualLearning:LookbackDays:2m", "5", "unknown timeframe '2m'")]
    [InlineData("Trading:Models:ContinualLearning:LookbackDays:1d", "100", "LookbackDays:1d = 100 spans fewer than 200 bars")]
    [InlineData("Trading:Models:ContinualLearning:ModelName", "../evil", "Trading:Models:ContinualLearning:ModelName")]
    public async Task A_bad_setting_stops_the_start_naming_it(string key, string value, string expected)
    {
        Directory.CreateDirectory(_root);
        using var host = Build(new() { [key] = value });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_appsettings_sections_bind_and_are_valid()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TradingDashboard.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(dir!.FullName, "appsettings.json")).Build();
        var learning = configuration.GetSection(ContinualLearningOptions.SectionName).Get<ContinualLearningOptions>()!;
        var outcomes = configuration.GetSection(PredictionOutcomeOptions.SectionName).Get<PredictionOutcomeOptions>()!;
        var a = new ContinualLearningOptionsValidator().Validate(null, learning);
        var b = new PredictionOutcomeOptionsValidator().Validate(null, outcomes);
        Assert.True(a.Succeeded, a.FailureMessage);
        Assert.True(b.Succeeded, b.FailureMessage);
        Assert.Equal((true, 200), (learning.Enabled, learning.RetrainAfterPivots));
        Assert.Equal(TimeSpan.FromDays(7), learning.LookbackFor(Core.Domain.Timeframe.OneMinute));
        Assert.Equal(TimeSpan.FromDays(800), learning.LookbackFor(Core.Domain.Timeframe.OneDay));
        Assert.Equal((500, 20_000), (outcomes.RollingWindow, outcomes.MaxPending));
    }
}
