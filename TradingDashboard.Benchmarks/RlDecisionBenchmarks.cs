using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Onnx;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// The host side of an orchestrator decision's learned parts, at batch 1 on the CPU: the RL expert's vote (observation
/// from the bars, position state, an MLP policy 22 -> 64 -> 64 -> 3 in ONNX Runtime) and the trained gate's weights
/// (an MLP 25 -> 32 -> 4). The networks are random (their size, not their weights, sets the cost); the policy and gate
/// files are written with their cards to a temp folder and loaded through the same checks as in the host.
/// </summary>
[MemoryDiagnoser]
public class RlDecisionBenchmarks
{
    private static readonly string[] Experts = ["rule", "cnn", "fasttree", "rl"];
    private string _folder = null!;
    private OnnxRlPolicy _policy = null!;
    private RlExpert _expert = null!;
    private OnnxGateModel _gate = null!;
    private GateContext _context = null!;
    private OHLCVBar[] _bars = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "td-rl-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var sessions = new OnnxSessionFactory(Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 }), NullLogger<OnnxSessionFactory>.Instance);
        var spec = new RlObservationSpec(16, 32, null, false, [], 0);
        var names = spec.BuildSource(null, null, null).Names.Concat(TradingEnvironment.PositionStateNames).ToArray();
        var policyCard = new PolicyModelCard
        {
            Name = "bench-policy", Kind = PolicyKinds.Ppo, Version = "1", CreatedUtc = DateTimeOffset.UnixEpoch, TrainerVersion = "bench", Opset = 17,
            Observation = spec, ObservationNames = names, StepTimeframe = "1m", ShortEnabled = false,
            Data = new TrainingDataInfo(["ETHUSDT"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new string('0', 64), 1, 1, 1), Seed = 1, Episodes = 1,
        };
        var policyPath = Path.Combine(_folder, "bench-policy.onnx");
        WriteMlp(policyPath, PolicyOnnxNames.Observation, names.Length, [64, 64], 3, policy: true, (PolicyModelCard.MetadataKey, policyCard.ToJson()));
        policyCard.Write(Path.ChangeExtension(policyPath, ".json"));
        _policy = OnnxRlPolicy.Load(policyPath, sessions);
        _expert = new RlExpert(new FixedRlPolicySource(_policy), null, null, null, Timeframe.OneMinute);

        var gateCard = new GateModelCard
        {
            Name = "bench-gate", Version = "1", CreatedUtc = DateTimeOffset.UnixEpoch, TrainerVersion = "bench", Opset = 17, Experts = Experts,
            FeatureNames = GateFeatureEncoder.Names(Experts), Data = policyCard.Data, Seed = 1,
        };
        var gatePath = Path.Combine(_folder, "bench-gate.onnx");
        WriteMlp(gatePath, GateOnnxNames.Features, GateFeatureEncoder.Length(Experts.Length), [32], Experts.Length, policy: false, (GateModelCard.MetadataKey, gateCard.ToJson()));
        gateCard.Write(Path.ChangeExtension(gatePath, ".json"));
        _gate = OnnxGateModel.Load(gatePath, sessions);
        _context = new GateContext("ETHUSDT", DateTimeOffset.UnixEpoch, new VolatilityRegime(VolatilityRegimeKind.Normal, 0.01, 0.012),
            Experts.Select((e, i) => new ExpertGateInput(e, ExpertVote.Create((AgentAction)(i % 3), 0.6, "bench"), 0.55, 80, 44)).ToArray());

#pragma warning disable CA5394 // Benchmark input, not security.
        var random = new Random(7);
        var price = 2000.0;
        _bars = new OHLCVBar[100_000];
        for (var i = 0; i < _bars.Length; i++)
        {
            var close = price * (1 + ((random.NextDouble() - 0.5) * 0.004));
            _bars[i] = new OHLCVBar("bench", "ETHUSDT", Timeframe.OneMinute, 1_700_000_040_000 + (i * 60_000L), price, Math.Max(price, close), Math.Min(price, close), close, 10, true);
            price = close;
        }
#pragma warning restore CA5394
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _policy.Dispose();
        _gate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "RL expert vote (observation + MLP policy), batch 1, CPU")]
    public ExpertVote RlVote()
    {
        var bar = _bars[_next++ % _bars.Length];
        return _expert.Vote(new ExpertContext(bar, 0m, false, DateTimeOffset.UnixEpoch));
    }

    [Benchmark(Description = "Trained gate weights (encode + MLP), batch 1, CPU")]
    public double[]? GateWeights() => TrainedGate.MapWeights(_gate.Run(_context), Experts, _context);

    /// <summary>Input -> (Gemm, Relu) per hidden layer -> Gemm; a policy adds softmax, max probability and max score outputs, a gate one softmax.</summary>
    private static void WriteMlp(string path, string input, int inputs, int[] hidden, int outputs, bool policy, (string Key, string Value) metadata)
    {
#pragma warning disable CA5394 // Benchmark weights, not security.
        var random = new Random(3);
        var graph = new GraphProto { Name = Path.GetFileNameWithoutExtension(path) };
        graph.Input.Add(Value(input, [-1, inputs]));
        var x = input;
        var width = inputs;
        var layers = hidden.Append(outputs).ToArray();
        for (var l = 0; l < layers.Length; l++)
        {
            var w = Enumerable.Range(0, width * layers[l]).Select(_ => (float)((random.NextDouble() * 2) - 1) / MathF.Sqrt(width)).ToArray();
            graph.Initializer.Add(Tensor($"w{l}", [width, layers[l]], w));
            graph.Initializer.Add(Tensor($"b{l}", [layers[l]], new float[layers[l]]));
            var last = l == layers.Length - 1;
            var z = last ? (policy ? PolicyOnnxNames.ActionScores : "logits") : $"z{l}";
            graph.Node.Add(Node("Gemm", [x, $"w{l}", $"b{l}"], [z]));
            if (!last)
            {
                graph.Node.Add(Node("Relu", [z], [$"h{l}"]));
                z = $"h{l}";
            }

            x = z;
            width = layers[l];
        }
#pragma warning restore CA5394

        if (policy)
        {
            graph.Node.Add(Node("Softmax", [PolicyOnnxNames.ActionScores], [PolicyOnnxNames.Probabilities], Int("axis", 1)));
            graph.Node.Add(Node("ReduceMax", [PolicyOnnxNames.Probabilities], [PolicyOnnxNames.Confidence], Ints("axes", 1), Int("keepdims", 0)));
            graph.Node.Add(Node("ReduceMax", [PolicyOnnxNames.ActionScores], [PolicyOnnxNames.Value], Ints("axes", 1), Int("keepdims", 0)));
            graph.Output.Add(Value(PolicyOnnxNames.ActionScores, [-1, 3]));
            graph.Output.Add(Value(PolicyOnnxNames.Probabilities, [-1, 3]));
            graph.Output.Add(Value(PolicyOnnxNames.Confidence, [-1]));
            graph.Output.Add(Value(PolicyOnnxNames.Value, [-1]));
        }
        else
        {
            graph.Node.Add(Node("Softmax", ["logits"], [GateOnnxNames.Weights], Int("axis", 1)));
            graph.Output.Add(Value(GateOnnxNames.Weights, [-1, outputs]));
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "TradingDashboard.Benchmarks", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = metadata.Key, Value = metadata.Value });
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static TensorProto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
