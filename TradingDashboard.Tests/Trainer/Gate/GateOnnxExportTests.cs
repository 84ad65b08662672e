using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Gate;
using OrtValue = Microsoft.ML.OnnxRuntime.OrtValue;

namespace TradingDashboard.Tests.Trainer.Gate;

[Collection(TorchCollection.Name)]
public sealed class GateOnnxExportTests : IDisposable
{
    private static readonly string[] Experts = ["rule", "cnn", "fasttree", "rl"];
    private readonly string _dir = Directory.CreateTempSubdirectory("gate-export-").FullName;

    public GateOnnxExportTests() => TorchNativeLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TorchSharp_and_onnx_runtime_agree_within_1e_5_before_and_after_masking()
    {
        using var network = Trained(seed: 9);
        var f = GateFeatureEncoder.Length(Experts.Length);
        const int count = 64;
        var random = new Random(21);
        var features = new float[count * f];
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < f; i++)
            {
                features[(n * f) + i] = (float)((random.NextDouble() * 4) - 2);
            }

            for (var k = 0; k < Experts.Length; k++)
            {
                features[(n * f) + GateNetwork.PresentIndex(k)] = random.NextDouble() < 0.7 ? 1f : 0f;
            }
        }

        var proto = GateOnnxExporter.BuildModel(network, new Dictionary<string, string>());
        using var session = new InferenceSession(proto.ToByteArray());
        using var value = OrtValue.CreateTensorValueFromMemory(features, [count, f]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [GateOnnxNames.Features], [value], [GateOnnxNames.Weights]);
        var onnx = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([count, (long)Experts.Length], results[0].GetTensorTypeAndShape().Shape);

        var plain = network.Predict(features, count, masked: false);
        Assert.InRange(plain.Zip(onnx).Max(p => Math.Abs(p.First - p.Second)), 0, 1e-5);

        var masked = network.Predict(features, count, masked: true);
        for (var n = 0; n < count; n++)
        {
            var row = onnx.AsSpan(n * Experts.Length, Experts.Length);
            GateEvaluator.MaskAndRenormalize(features.AsSpan(n * f, f), row);
        }

        Assert.InRange(masked.Zip(onnx).Max(p => Math.Abs(p.First - p.Second)), 0, 1e-5);
    }

    [Fact]
    public void Export_writes_the_card_in_the_metadata_and_beside_with_the_file_hash()
    {
        using var network = Trained(seed: 2);
        var evaluation = new GateEvaluation(120, 0.0012, 0.0004, 0.61, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(2));
        var data = new TrainingDataInfo(["ETHUSDT"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(2), new string('b', 64), 480, 120, 0, "backtest");
        var path = Path.Combine(_dir, "gate-test.onnx");

        var card = GateOnnxExporter.Export(network, Experts, new GateCardInfo("gate-test", "20250201T120000Z", DateTimeOffset.UnixEpoch, data, 9, evaluation, ["a note"]), path);

        var bytes = File.ReadAllBytes(path);
        var read = GateModelCard.Read(Path.Combine(_dir, "gate-test.json"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), read.OnnxSha256);
        Assert.Equal(card.OnnxSha256, read.OnnxSha256);
        Assert.Equal(GateModelCard.KindName, read.Kind);
        Assert.Equal(Experts, read.Experts);
        Assert.Equal(GateFeatureEncoder.Names(Experts), read.FeatureNames);
        Assert.Equal(17, read.Opset);
        Assert.Equal(9, read.Seed);
        Assert.Equal(evaluation, read.Validation);
        Assert.Equal(480, read.Data.TrainSamples);
        Assert.Contains("a note", read.Notes);

        using var session = new InferenceSession(bytes);
        Assert.Equal([GateOnnxNames.Features], session.InputNames.ToArray());
        Assert.Equal([GateOnnxNames.Weights], session.OutputNames.ToArray());
        var embedded = GateModelCard.FromJson(session.ModelMetadata.CustomMetadataMap[GateModelCard.MetadataKey]);
        Assert.Null(embedded.OnnxSha256);
        Assert.Equal((read with { OnnxSha256 = null }).ToJson(), embedded.ToJson());

        // The ONNX gate runs the file as the host would: mask, renormalize, context order.
        using var gate = OnnxGate.Load(path);
        var decision = GateTestDecisions.Decision(GateTestDecisions.Start, VolatilityRegimeKind.High, 0.01,
        [
            new TestVote("cnn", Core.Reinforcement.AgentAction.Sell, 0.7),
            new TestVote("other", Core.Reinforcement.AgentAction.Buy, 1.0),
            new TestVote("rule", Core.Reinforcement.AgentAction.Buy, 0.9),
            new TestVote("fasttree", Core.Reinforcement.AgentAction.Buy, 0.9, Abstained: true),
        ]);
        var weights = gate.Weigh(decision.Context);
        var f = GateFeatureEncoder.Length(Experts.Length);
        var features = new float[f];
        GateFeatureEncoder.Encode(decision.Context, Experts, features);
        var expected = network.Predict(features, 1); // rule, cnn, fasttree, rl
        Assert.Equal(4, weights.Count);
        Assert.Equal(expected[1], weights[0], 1e-5); // cnn
        Assert.Equal(0, weights[1]); // unknown to the gate
        Assert.Equal(expected[0], weights[2], 1e-5); // rule
        Assert.Equal(0, weights[3]); // abstained
        Assert.Equal(1.0, weights.Sum(), 1e-5);
    }

    /// <summary>A network after a short training on synthetic regime decisions, so the weights are not the initial ones.</summary>
    private static GateNetwork Trained(int seed)
    {
        var decisions = GateTestDecisions.Regimes(200, seed).Select(d => d with
        {
            Context = d.Context with
            {
                Experts = [.. d.Context.Experts.Select((e, i) => e with { Expert = Experts[i] })],
            },
        }).ToList();
        var trainer = new GateTrainer(new GateTrainingOptions { Seed = seed, Epochs = 5 }, new FakeTimeProvider());
        var result = trainer.Train(decisions, Experts);
        return result.Network;
    }
}
