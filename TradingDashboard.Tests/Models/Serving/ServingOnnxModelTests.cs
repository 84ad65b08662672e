using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Exchanges;

namespace TradingDashboard.Tests.Models.Serving;

public sealed class ServingOnnxModelTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "td-serving-tests", Guid.NewGuid().ToString("N"));

    public ServingOnnxModelTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private OnnxPivotModelFactory Factory(bool useCuda = false, ILogger<OnnxSessionFactory>? log = null) =>
        new(new OnnxSessionFactory(Options.Create(ServingTestKit.Options(_folder, useCuda)), log ?? NullLogger<OnnxSessionFactory>.Instance),
            RunningFeatureSchema.Fixed(ServingTestKit.Schema));

    [Fact]
    public void Cnn_prediction_matches_a_plain_forward_pass_of_the_same_weights()
    {
        var (path, weights, card) = ServingTestKit.WriteCnn(_folder, "cnn-a", 0.4);
        using var model = Factory().Load(path, card);
        var frame = ServingTestKit.Frame(seed: 3);

        var prediction = model.Predict(frame);

        var (probabilities, confidence, hidden) = weights.Forward(ServingTestKit.WindowMean(frame, ServingTestKit.Schema));
        Assert.Equal("cnn-a", prediction.ModelName);
        Assert.Equal(ServingTestKit.Symbol, prediction.Symbol);
        Assert.Equal(frame.AnchorOpenTimeMs + 60_000, prediction.AsOfMs);
        Assert.Equal("CPU", prediction.ExecutionProvider);
        Assert.True(prediction.LatencyMicroseconds > 0);
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour], prediction.Timeframes.Select(t => t.Timeframe));
        for (var h = 0; h < 2; h++)
        {
            var p = prediction.Timeframes[h];
            Assert.True(p.Available);
            Assert.Equal(probabilities[h][0], p.ProbabilityNone, 5);
            Assert.Equal(probabilities[h][1], p.ProbabilityHigh, 5);
            Assert.Equal(probabilities[h][2], p.ProbabilityLow, 5);
            Assert.Equal(confidence![h], p.Confidence, 5);
        }

        Assert.Equal(hidden!.Length, prediction.HiddenState.Count);
        for (var i = 0; i < hidden.Length; i++)
        {
            Assert.Equal(hidden[i], prediction.HiddenState[i], 5);
        }
    }

    [Fact]
    public void Batched_probabilities_equal_the_single_frame_predictions()
    {
        var (path, _, card) = ServingTestKit.WriteCnn(_folder, "cnn-a", 0.4, seed: 5);
        using var model = Factory().Load(path, card);
        var frames = Enumerable.Range(0, 5).Select(i => ServingTestKit.Frame(seed: 10 + i)).ToList();
        var batch = frames.SelectMany(f => f.Values).ToArray();

        var probabilities = model.PredictProbabilities(batch, frames.Count, "1h");

        Assert.Equal(frames.Count * 3, probabilities.Length);
        for (var i = 0; i < frames.Count; i++)
        {
            var single = model.Predict(frames[i]).For(Timeframe.OneHour)!;
            Assert.Equal(single.ProbabilityNone, probabilities[(i * 3) + 0], 5);
            Assert.Equal(single.ProbabilityHigh, probabilities[(i * 3) + 1], 5);
            Assert.Equal(single.ProbabilityLow, probabilities[(i * 3) + 2], 5);
        }

        Assert.Throws<ArgumentException>(() => model.PredictProbabilities(batch, frames.Count, "1d"));
    }

    [Fact]
    public void Cuda_asked_for_where_it_cannot_run_loads_the_model_on_the_cpu_and_logs_the_fallback()
    {
        var (path, _, card) = ServingTestKit.WriteCnn(_folder, "cnn-a", 0.4);
        var log = new ListLogger<OnnxSessionFactory>();
        var sessions = new OnnxSessionFactory(Options.Create(ServingTestKit.Options(_folder, useCuda: true)), log);
        var factory = new OnnxPivotModelFactory(sessions, RunningFeatureSchema.Fixed(ServingTestKit.Schema));

        using var model = factory.Load(path, card);
        var prediction = model.Predict(ServingTestKit.Frame(seed: 1));

        if (sessions.CudaUnavailableReason is null && model.ExecutionProvider == OnnxSessionFactory.Cuda)
        {
            // A machine with a working CUDA 13 runtime: the provider is used and nothing falls back.
            Assert.Equal("CUDA", prediction.ExecutionProvider);
            Assert.DoesNotContain(log.Lines, l => l.Message.Contains("falling back to CPU", StringComparison.Ordinal));
            return;
        }

        Assert.Equal("CPU", model.ExecutionProvider);
        Assert.Equal("CPU", prediction.ExecutionProvider);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("falling back to CPU", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Information && l.Message.Contains("runs on CPU", StringComparison.Ordinal));
    }

    [Fact]
    public void FastTree_kind_model_scores_the_frame_summary_and_feeds_zeros_to_its_label_input()
    {
        var (path, weights, card) = ServingTestKit.WriteFastTree(_folder, "fasttree-1m", "1m", 0.3);
        using var model = Factory().Load(path, card);
        var frame = ServingTestKit.Frame(seed: 4);

        var prediction = model.Predict(frame);

        // The summary computed by hand: per block (symbol, timeframe) the last bar's features, then their window mean.
        var schema = ServingTestKit.Schema;
        int f = schema.FeatureCount, w = schema.WindowLength, blocks = schema.Symbols.Count * schema.Timeframes.Count;
        var summary = new float[2 * blocks * f];
        for (var b = 0; b < blocks; b++)
        {
            for (var j = 0; j < f; j++)
            {
                summary[(b * 2 * f) + j] = frame.Values[(b * w * f) + ((w - 1) * f) + j];
                summary[(b * 2 * f) + f + j] = Enumerable.Range(0, w).Sum(k => frame.Values[(b * w * f) + (k * f) + j]) / w;
            }
        }

        var expected = weights.Forward(summary).Probabilities[0];
        var oneMinute = prediction.For(Timeframe.OneMinute)!;
        Assert.True(oneMinute.Available);
        Assert.Equal(expected[0], oneMinute.ProbabilityNone, 5);
        Assert.Equal(expected[1], oneMinute.ProbabilityHigh, 5);
        Assert.Equal(expected[2], oneMinute.ProbabilityLow, 5);
        Assert.Equal(expected.Max(), oneMinute.Confidence, 5);
        Assert.False(prediction.For(Timeframe.OneHour)!.Available);
        Assert.Empty(prediction.HiddenState);

        var batch = model.PredictProbabilities(frame.Values, 1, "1m");
        Assert.Equal(expected[1], batch[1], 5);
    }

    [Fact]
    public void A_masked_primary_block_makes_its_timeframe_unavailable()
    {
        var (path, _, card) = ServingTestKit.WriteCnn(_folder, "cnn-a", 0.4);
        using var model = Factory().Load(path, card);
        var frame = ServingTestKit.Frame(seed: 2) with { BlockPresent = [true, false, true, true] };

        var prediction = model.Predict(frame);

        Assert.True(prediction.For(Timeframe.OneMinute)!.Available);
        Assert.False(prediction.For(Timeframe.OneHour)!.Available);
    }

    [Fact]
    public void A_card_that_does_not_match_the_file_is_rejected_at_load_naming_the_tensor()
    {
        var (path, _, card) = ServingTestKit.WriteCnn(_folder, "cnn-a", 0.4);
        var wrongShape = card with { Inputs = [new TensorSpec("frame", "float32", [-1, 2, 2, 4, 21])] };
        var wrongName = card with { HiddenOutput = "embedding" };

        var shape = Assert.Throws<InvalidDataException>(() => Factory().Load(path, wrongShape));
        var name = Assert.Throws<InvalidDataException>(() => Factory().Load(path, wrongName));

        Assert.Contains("'frame'", shape.Message, StringComparison.Ordinal);
        Assert.Contains("[?, 2, 2, 4, 20]", shape.Message, StringComparison.Ordinal);
        Assert.Contains("'embedding'", name.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_output_at_run_time_throws_ModelRuntimeException()
    {
        var (path, _, card) = ServingTestKit.WriteCnn(_folder, "cnn-a", 0.4);
        using var model = Factory().Load(path, card);

        var ex = Assert.Throws<ModelRuntimeException>(() => model.Predict(ServingTestKit.OverflowFrame()));

        Assert.Contains("non-finite", ex.Message, StringComparison.Ordinal);
        Assert.True(model.Predict(ServingTestKit.Frame(seed: 1)).Timeframes[0].Available);
    }
}
