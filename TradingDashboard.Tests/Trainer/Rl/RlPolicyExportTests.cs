using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Rl;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;

namespace TradingDashboard.Tests.Trainer.Rl;

[Collection(TorchCollection.Name)]
public sealed class RlPolicyExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rl-export-").FullName;

    public RlPolicyExportTests() => TorchNativeLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Dueling_head_combines_value_and_centred_advantage()
    {
        torch.random.manual_seed(3);
        var norm = new ObservationNormalization([1f, -2f, 0.5f], [2f, 0.5f, 1f]);
        using var net = new PolicyNetwork(new PolicyNetworkShape(3, [4], Dueling: true), norm);
        var x = new[] { 0.3f, -1.7f, 2.2f };
        var (scores, value) = net.Evaluate(x);

        // Reference MLP by hand from the weights: h = relu(W1 ((x - m) / s) + b1); A = Wa h + ba; V = wv h + bv.
        var w = net.Weights();
        var h = Affine(w["trunk.0.weight"], w["trunk.0.bias"], x.Select((v, i) => (v - norm.Mean[i]) / norm.Std[i]).ToArray()).Select(v => Math.Max(0, v)).ToArray();
        var a = Affine(w["head.weight"], w["head.bias"], h);
        var v = Affine(w["value.weight"], w["value.bias"], h)[0];
        var mean = (a[0] + a[1] + a[2]) / 3;
        var expected = a.Select(ai => v + ai - mean).ToArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], scores[i], 5);
        }

        Assert.Equal(expected.Max(), value, 5);
    }

    [Theory]
    [InlineData(true, 0.5)]
    [InlineData(false, 1.0)]
    public void Torch_and_onnx_runtime_agree_on_generated_and_environment_observations(bool dueling, double temperature)
    {
        var observations = EnvironmentObservations(40);
        var length = observations[0].Length;
        torch.random.manual_seed(dueling ? 5 : 6);
        using var net = new PolicyNetwork(new PolicyNetworkShape(length, [16, 8], dueling), ObservationNormalization.Compute(observations, length));
        ShortTraining(net, observations);

        var random = new Random(4);
        var generated = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * 6)).ToArray());
        var batch = observations.Concat(generated).ToList();
        var card = Card(dueling, length, temperature);
        var path = Path.Combine(_dir, "policy.onnx");
        var written = PolicyOnnxExporter.Export(net, card, path);

        var flat = batch.SelectMany(o => o).ToArray();
        using var session = new InferenceSession(path);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(PolicyOnnxNames.Observation, new DenseTensor<float>(flat, [batch.Count, length]))]);
        Assert.Equal(new[] { PolicyOnnxNames.ActionScores, PolicyOnnxNames.Probabilities, PolicyOnnxNames.Confidence, PolicyOnnxNames.Value }, session.OutputMetadata.Keys.ToArray());
        var onnxScores = results.First(r => r.Name == PolicyOnnxNames.ActionScores).AsTensor<float>();
        var onnxProbabilities = results.First(r => r.Name == PolicyOnnxNames.Probabilities).AsTensor<float>();
        var onnxConfidence = results.First(r => r.Name == PolicyOnnxNames.Confidence).AsTensor<float>();
        var onnxValue = results.First(r => r.Name == PolicyOnnxNames.Value).AsTensor<float>();
        Assert.Equal([batch.Count, 3], onnxScores.Dimensions.ToArray());
        Assert.Equal([batch.Count], onnxValue.Dimensions.ToArray());

        using (torch.no_grad())
        {
            var output = net.forward(torch.tensor(flat, [batch.Count, length]));
            var scores = output.Scores.data<float>().ToArray();
            var values = output.Value.data<float>().ToArray();
            for (var n = 0; n < batch.Count; n++)
            {
                // Probabilities: softmax of scores / temperature, computed here in double.
                var row = scores.Skip(n * 3).Take(3).Select(s => s / temperature).ToArray();
                var exp = row.Select(r => Math.Exp(r - row.Max())).ToArray();
                var probabilities = exp.Select(e => e / exp.Sum()).ToArray();
                for (var k = 0; k < 3; k++)
                {
                    Assert.True(Math.Abs(scores[(n * 3) + k] - onnxScores[n, k]) <= 1e-5, $"score {n},{k}: torch {scores[(n * 3) + k]} onnx {onnxScores[n, k]}");
                    Assert.True(Math.Abs(probabilities[k] - onnxProbabilities[n, k]) <= 1e-5, $"probability {n},{k}");
                }

                Assert.True(Math.Abs(probabilities.Max() - onnxConfidence[n]) <= 1e-5, $"confidence {n}");
                Assert.True(Math.Abs(values[n] - onnxValue[n]) <= 1e-5, $"value {n}: torch {values[n]} onnx {onnxValue[n]}");
            }
        }

        // The card: in the metadata (without the hash) and beside the file (with the file's hash).
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), written.OnnxSha256);
        var beside = PolicyModelCard.Read(PolicyOnnxExporter.CardPath(path));
        Assert.Equal(written.OnnxSha256, beside.OnnxSha256);
        Assert.Equal(card.ObservationNames, beside.ObservationNames);
        var embedded = PolicyModelCard.FromJson(session.ModelMetadata.CustomMetadataMap[PolicyModelCard.MetadataKey]);
        Assert.Null(embedded.OnnxSha256);
        Assert.Equal(dueling ? PolicyKinds.Dqn : PolicyKinds.Ppo, embedded.Kind);
        Assert.Equal(temperature, embedded.Temperature);
    }

    [Fact]
    public void Export_refuses_a_card_of_the_other_kind_or_length()
    {
        torch.random.manual_seed(1);
        using var net = new PolicyNetwork(new PolicyNetworkShape(4, [3], Dueling: true), ObservationNormalization.Identity(4));
        Assert.Throws<ArgumentException>(() => PolicyOnnxExporter.BuildModel(net, Card(dueling: false, 4, 1)));
        Assert.Throws<ArgumentException>(() => PolicyOnnxExporter.BuildModel(net, Card(dueling: true, 5, 1)));
    }

    [Fact]
    public void Normalization_is_the_population_mean_and_std_with_a_floor_for_constant_features()
    {
        var n = ObservationNormalization.Compute([[1f, 5f], [3f, 5f], [5f, 5f]], 2);
        Assert.Equal([3f, 5f], n.Mean);
        Assert.Equal(MathF.Sqrt(8f / 3f), n.Std[0], 5);
        Assert.Equal(1f, n.Std[1]);
    }

    internal static List<float[]> EnvironmentObservations(int count)
    {
        var bars = RandomWalk(600, seed: 17, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var settings = new RlEnvironmentSettings { Symbols = ["ETHUSDT", "BTCUSDT"] };
        using var env = new TradingEnvironment(bars, settings.Build("ETHUSDT", null, null, null), RlObservationInputs.BarReturns().Build());
        var observations = new List<float[]> { env.Reset() };
        var actions = new[] { AgentAction.Buy, AgentAction.Hold, AgentAction.Hold, AgentAction.Sell, AgentAction.Hold };
        for (var i = 0; observations.Count < count; i++)
        {
            observations.Add(env.Step(actions[i % actions.Length]).Observation);
        }

        return observations;
    }

    internal static PolicyModelCard Card(bool dueling, int length, double temperature) => new()
    {
        Name = "test-policy",
        Kind = dueling ? PolicyKinds.Dqn : PolicyKinds.Ppo,
        Version = "1",
        CreatedUtc = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        TrainerVersion = "test",
        Opset = PolicyOnnxExporter.Opset,
        Observation = RlObservationInputs.BarReturns().Spec,
        ObservationNames = Enumerable.Range(0, length).Select(i => "x" + i).ToList(),
        StepTimeframe = "1m",
        Temperature = temperature,
        ShortEnabled = false,
        Data = new TrainingDataInfo(["ETHUSDT"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "0", 0, 0, 0),
        Seed = 1,
        Episodes = 1,
    };

    private static void ShortTraining(PolicyNetwork net, List<float[]> observations)
    {
        using var optimizer = torch.optim.Adam(net.parameters(), 0.05);
        var flat = observations.SelectMany(o => o).ToArray();
        for (var step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            var output = net.forward(torch.tensor(flat, [observations.Count, observations[0].Length]));
            var loss = (output.Scores - 1).pow(2).mean() + output.Value.pow(2).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
    }

    private static double[] Affine((float[] Values, long[] Shape) weight, (float[] Values, long[] Shape) bias, IReadOnlyList<double> x)
    {
        var rows = (int)weight.Shape[0];
        var cols = (int)weight.Shape[1];
        var result = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double sum = bias.Values[r];
            for (var c = 0; c < cols; c++)
            {
                sum += weight.Values[(r * cols) + c] * x[c];
            }

            result[r] = sum;
        }

        return result;
    }

    private static double[] Affine((float[] Values, long[] Shape) weight, (float[] Values, long[] Shape) bias, IReadOnlyList<float> x) =>
        Affine(weight, bias, x.Select(v => (double)v).ToArray());
}
