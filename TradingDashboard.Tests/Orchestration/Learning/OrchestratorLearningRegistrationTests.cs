using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Models.Learning;
using TradingDashboard.Tests.Pipeline;
using TradingDashboard.Tests.Storage;

namespace TradingDashboard.Tests.Orchestration.Learning;

public sealed class OrchestratorLearningRegistrationTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"td-root-{Guid.NewGuid():N}");

    public OrchestratorLearningRegistrationTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        _db.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = _root, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Trading:Models:UseCuda"] = "false", ["Trading:Models:Directory"] = "models" });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(_db.Database);
        builder.Services.AddSingleton<IAuditLog, InMemoryAuditLog>();
        builder.Services.AddSingleton<IAlertService, AlertService>();
        builder.Services.AddSingleton<IDataProcessorState, LearningProcessorState>();
        builder.Services.AddSingleton<ICandleStore>(sp => new SqliteCandleStore(sp.GetRequiredService<SqliteDatabase>()));
        builder.Services.AddPivotModels();
        builder.Services.AddOrchestratorLearning(); // before AddOrchestrator: the order does not matter
        builder.Services.AddOrchestrator();
        builder.Services.AddRlExpert();
        builder.Services.AddRlExpert(); // twice is harmless
        return builder.Build();
    }

    [Fact]
    public void Registers_the_rl_expert_the_trained_gate_recording_and_the_learning_process()
    {
        using var host = Build([]);
        var sp = host.Services;
        Assert.Equal(["rule", "cnn", "fasttree", "rl"], sp.GetServices<IExpert>().Select(e => e.Name));
        Assert.IsType<TrainedGate>(sp.GetRequiredService<IGate>());
        Assert.Same(sp.GetRequiredService<IGate>(), sp.GetRequiredService<Orchestrator>().Gate);
        Assert.Same(sp.GetRequiredService<RlPolicyRegistry>(), sp.GetRequiredService<IRlPolicySource>());
        Assert.IsType<SqliteDecisionOutcomeStore>(sp.GetRequiredService<IDecisionOutcomeStore>());
        Assert.Single(sp.GetServices<IManagedProcess>(), p => p.Name == OrchestratorLearningService.ProcessName);
        var status = sp.GetRequiredService<IOrchestratorLearning>().Status;
        Assert.Equal(OrchestratorLearningService.TrainerMissing, status.Gate.LastMessage);
        Assert.Equal(Path.Combine(sp.GetRequiredService<ModelsFolder>().Path, RlPolicyRegistry.FolderName), sp.GetRequiredService<RlPolicyRegistry>().Folder);
        Assert.Equal(Path.Combine(sp.GetRequiredService<ModelsFolder>().Path, TrainedGate.FolderName), sp.GetRequiredService<TrainedGate>().Folder);
    }

    [Fact]
    public void The_recent_accuracy_setting_keeps_the_non_learned_gate()
    {
        using var host = Build(new() { ["Trading:Orchestrator:Gate"] = "recent-accuracy" });
        Assert.IsType<RecentAccuracyGate>(host.Services.GetRequiredService<IGate>());
    }

    [Theory]
    [InlineData("Trading:Orchestrator:Gate", "learned", "Trading:Orchestrator:Gate")]
    [InlineData("Trading:Orchestrator:Learning:RlAlgorithm", "sac", "Trading:Orchestrator:Learning:RlAlgorithm")]
    [InlineData("Trading:Orchestrator:Learning:ValidationFraction", "1", "Trading:Orchestrator:Learning:ValidationFraction")]
    [InlineData("Trading:Orchestrator:Learning:RetrainGateAfterDecisions", "-1", "Trading:Orchestrator:Learning:RetrainGateAfterDecisions")]
    public async Task A_bad_setting_stops_the_start_naming_it(string key, string value, string expected)
    {
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
        var orchestrator = configuration.GetSection(OrchestratorOptions.SectionName).Get<OrchestratorOptions>()!;
        var learning = configuration.GetSection(OrchestratorLearningOptions.SectionName).Get<OrchestratorLearningOptions>()!;
        var a = new OrchestratorOptionsValidator().Validate(null, orchestrator);
        var b = new OrchestratorLearningOptionsValidator().Validate(null, learning);
        Assert.True(a.Succeeded, a.FailureMessage);
        Assert.True(b.Succeeded, b.FailureMessage);
        Assert.Equal("trained", orchestrator.Gate);
        Assert.Equal((500, 24.0, "dqn"), (learning.RetrainGateAfterDecisions, learning.RetrainRlEveryHours, learning.RlAlgorithm));
    }
}
