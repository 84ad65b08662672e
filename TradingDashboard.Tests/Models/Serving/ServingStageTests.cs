using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Models.Serving;

public sealed class ServingStageTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly RegistryFixture _f = new();
    private readonly PredictionFeed _feed;
    private readonly CnnInferenceStage _stage;

    public ServingStageTests()
    {
        _feed = new PredictionFeed(Options.Create(_f.Options), NullLogger<PredictionFeed>.Instance);
        _stage = new CnnInferenceStage(_f.Processor, _f.Registry, _feed, Options.Create(_f.Options), _f.Time, NullLogger<CnnInferenceStage>.Instance);
    }

    public void Dispose()
    {
        _stage.Dispose();
        _f.Dispose();
    }

    [Fact]
    public async Task The_stage_publishes_a_prediction_for_a_frame_raised_by_the_processor()
    {
        var (_, weights, _) = ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.4, seed: 9);
        await _f.Registry.StartAsync(CancellationToken.None);
        var published = new TaskCompletionSource<CNNPrediction>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _feed.Subscribe(p => published.TrySetResult(p));
        await _stage.StartAsync(CancellationToken.None);
        var frame = ServingTestKit.Frame(seed: 21);

        // The stage subscribes to frames when its loop starts: raise until it is heard.
        var prediction = await RaiseUntilPublishedAsync(frame, published.Task);

        var expected = weights.Forward(ServingTestKit.WindowMean(frame, ServingTestKit.Schema)).Probabilities;
        Assert.Equal("cnn-a", prediction.ModelName);
        Assert.Equal(frame.AnchorOpenTimeMs, prediction.AnchorOpenTimeMs);
        Assert.Equal(expected[0][1], prediction.For(Timeframe.OneMinute)!.ProbabilityHigh, 5);
        Assert.Equal(expected[1][2], prediction.For(Timeframe.OneHour)!.ProbabilityLow, 5);
        var latest = Assert.Single(_feed.Latest);
        Assert.Equal(("cnn-a", frame.AnchorOpenTimeMs), (latest.ModelName, latest.AnchorOpenTimeMs));
        Assert.Contains(prediction, _feed.Recent());
        Assert.Contains("cnn-a (CPU)", _stage.Description, StringComparison.Ordinal);
        Assert.True(_f.Registry.Models.Single().Latency.Calls >= 1);
        await _stage.StopAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Stopped, _stage.GetInfo().State);
    }

    [Fact]
    public async Task Without_a_model_the_stage_says_no_model_loaded_and_publishes_nothing()
    {
        await _f.Registry.StartAsync(CancellationToken.None);

        var published = _stage.Infer(ServingTestKit.Frame(seed: 1));

        Assert.Equal(0, published);
        Assert.Equal(1, _stage.FramesWithoutModel);
        Assert.StartsWith("no model loaded", _stage.Status, StringComparison.Ordinal);
        Assert.Contains("no model loaded", _stage.GetInfo().Description, StringComparison.Ordinal);
        Assert.Empty(_feed.Latest);
    }

    [Fact]
    public async Task A_model_failing_at_run_time_is_reported_the_previous_one_takes_over_and_the_stage_goes_on()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40, seed: 1);
        await _f.Registry.StartAsync(CancellationToken.None);
        ServingTestKit.WriteCnn(_f.Folder, "cnn-b", 0.50, seed: 2);
        await _f.Registry.ScanAsync(CancellationToken.None);

        var first = _stage.Infer(ServingTestKit.OverflowFrame());
        var second = _stage.Infer(ServingTestKit.Frame(seed: 2));

        Assert.Equal(0, first);
        Assert.Equal(1, second);
        Assert.Equal(1, _stage.Failures);
        Assert.Equal("cnn-a", Assert.Single(_feed.Latest).ModelName);
        Assert.Equal("cnn-a", Assert.Single(_f.Registry.Active).Card.Name);
        Assert.Contains(_f.Alerts.Recent(), a => a.Severity == AlertSeverity.Error && a.Message.Contains("cnn-a takes over", StringComparison.Ordinal));
        Assert.Contains("cnn-b failed", _stage.GetInfo().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frames_of_another_feature_schema_are_not_scored()
    {
        ServingTestKit.WriteCnn(_f.Folder, "cnn-a", 0.40);
        await _f.Registry.StartAsync(CancellationToken.None);

        var published = _stage.Infer(ServingTestKit.Frame(seed: 1) with { SchemaHash = ServingTestKit.OtherSchema.Hash });

        Assert.Equal(0, published);
        Assert.Equal(1, _stage.SchemaMismatches);
        Assert.Empty(_feed.Latest);
    }

    private async Task<CNNPrediction> RaiseUntilPublishedAsync(Core.Features.FeatureFrame frame, Task<CNNPrediction> published)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!published.IsCompleted && clock.Elapsed < Wait)
        {
            _f.Processor.RaiseFrame(frame);
            await Task.WhenAny(published, Task.Delay(50));
        }

        Assert.True(published.IsCompleted, "no prediction was published");
        return await published;
    }
}

public sealed class ServingHostTests
{
    [Fact]
    public async Task A_host_with_the_pivot_models_registered_starts_and_lists_the_inference_process()
    {
        var folder = Path.Combine(Path.GetTempPath(), "td-serving-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        ServingTestKit.WriteCnn(folder, "cnn-host", 0.4, editCard: c => c with { FeatureSchemaHash = ServingTestKit.OtherSchema.Hash });
        try
        {
            await using var factory = HostFactory.Create(o =>
            {
                o.Settings["Trading:Models:Directory"] = folder;
                o.Settings["Trading:Models:WatchForNewModels"] = "false";
                o.ConfigureServices = services => services.AddPivotModels();
            });

            using var client = factory.CreateClient();

            var registry = factory.Services.GetRequiredService<IModelRegistry>();
            Assert.Same(factory.Services.GetRequiredService<ModelRegistry>(), registry);
            Assert.Equal(folder, factory.Services.GetRequiredService<ModelsFolder>().Path);

            // The test card was made for the test schema, not the host's configured one: refused, naming the running schema.
            Assert.Contains("running feature schema", Assert.Single(registry.Refused).Reason, StringComparison.Ordinal);
            var stage = Assert.Single(factory.Services.GetServices<IManagedProcess>(), p => p.Name == CnnInferenceStage.ProcessName);
            Assert.Contains("no model loaded", stage.Description, StringComparison.Ordinal);
            Assert.NotNull(factory.Services.GetRequiredService<IPredictionFeed>());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_invalid_models_setting_stops_the_start_naming_it()
    {
        using var factory = HostFactory.Create(o =>
        {
            o.Settings["Trading:Models:InferenceChannelCapacity"] = "0";
            o.ConfigureServices = services => services.AddPivotModels();
        });

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        Assert.Contains("Trading:Models:InferenceChannelCapacity must be from 1 to 100000", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_models_folder_is_onnx_under_the_repository_root()
    {
        var options = new ModelsOptions();

        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));

        Assert.Equal(Path.Combine(root, "onnx"), options.ResolveDirectory(PivotModelsServiceCollectionExtensions.BaseDirectory(root)));
        Assert.Equal("/abs/models", new ModelsOptions { Directory = "/abs/models" }.ResolveDirectory(root));
        Assert.True(File.Exists(Path.Combine(PivotModelsServiceCollectionExtensions.BaseDirectory(AppContext.BaseDirectory), "TradingDashboard.sln")));
    }
}
