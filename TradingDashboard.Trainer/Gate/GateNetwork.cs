using TorchSharp;
using TradingDashboard.Core.Orchestration;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Gate;

/// <summary>Sizes of a <see cref="GateNetwork"/>: the input is <see cref="GateFeatureEncoder.Length"/> of the experts.</summary>
public sealed record GateNetworkShape(int Experts, int Hidden = 16)
{
    public int Features => GateFeatureEncoder.Length(Experts);

    public void Validate()
    {
        if (Experts < 1 || Hidden < 1)
        {
            throw new ArgumentException($"A gate needs at least one expert and one hidden unit (got {Experts} experts, {Hidden} hidden).");
        }
    }
}

/// <summary>
/// The trained gate of the mixture of experts: features [N, F] (<see cref="GateFeatureEncoder"/>) -> Linear(F, H) -> tanh
/// -> Linear(H, E) -> logits [N, E], one per expert. <see cref="MaskedWeights"/> is what the gate means: the logits of
/// experts whose "present" feature is 0 (abstained or missing) are set to -inf before the softmax, so they get weight 0
/// and the others sum to 1 (all 0 when no expert is present). The ONNX export (<see cref="GateOnnxExporter"/>) holds the
/// plain softmax; the host zeroes the absent experts and renormalizes, which is the same function.
/// Parameters are initialized from <see cref="System.Random"/> with the seed (PyTorch's Linear default range,
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in))) and never from torch's process-wide generator, so a gate run cannot disturb or be
/// disturbed by a concurrent CNN run; there is no dropout, so training uses no torch randomness at all.
/// </summary>
public sealed class GateNetwork : nn.Module<TorchTensor, TorchTensor>
{
    private readonly TorchSharp.Modules.Parameter hidden_weight;
    private readonly TorchSharp.Modules.Parameter hidden_bias;
    private readonly TorchSharp.Modules.Parameter output_weight;
    private readonly TorchSharp.Modules.Parameter output_bias;

    public GateNetwork(GateNetworkShape shape, int seed)
        : base(nameof(GateNetwork))
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Shape = shape;
        var random = new Random(seed);
        hidden_weight = UniformParameter(random, [shape.Hidden, shape.Features], shape.Features);
        hidden_bias = UniformParameter(random, [shape.Hidden], shape.Features);
        output_weight = UniformParameter(random, [shape.Experts, shape.Hidden], shape.Hidden);
        output_bias = UniformParameter(random, [shape.Experts], shape.Hidden);
        RegisterComponents();
    }

    public GateNetworkShape Shape { get; }

    /// <summary>The column of expert <paramref name="expert"/>'s "present" value in the encoded features.</summary>
    public static int PresentIndex(int expert) => GateFeatureEncoder.ContextValues + (expert * GateFeatureEncoder.PerExpert);

    /// <summary>Logits [N, E] of features [N, F].</summary>
    public override TorchTensor forward(TorchTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var h = nn.functional.linear(input, hidden_weight, hidden_bias);
        using var a = h.tanh();
        return nn.functional.linear(a, output_weight, output_bias);
    }

    /// <summary>Presence [N, E] as 0/1 floats, read from the encoded features.</summary>
    public TorchTensor Presence(TorchTensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        // [N, 5 + 5E] -> the per-expert blocks [N, E, 5] -> their first value (present).
        using var blocks = features.narrow(1, GateFeatureEncoder.ContextValues, GateFeatureEncoder.PerExpert * Shape.Experts);
        using var perExpert = blocks.reshape(-1, Shape.Experts, GateFeatureEncoder.PerExpert);
        using var present = perExpert.select(2, 0);
        using var flags = present.gt(0.5);
        return flags.to_type(ScalarType.Float32);
    }

    /// <summary>
    /// Gate weights [N, E]: softmax over the present experts (absent ones -inf before the softmax, so exactly 0); a row with
    /// no present expert is all 0. Differentiable (training uses it).
    /// </summary>
    public TorchTensor MaskedWeights(TorchTensor features)
    {
        using var logits = forward(features);
        using var present = Presence(features);
        using var any = present.sum(1, keepdim: true).gt(0);
        using var absent = present.eq(0);
        // Rows with nobody present keep their logits (a finite softmax, then zeroed) so no row is all -inf (NaN).
        using var drop = absent.logical_and(any);
        using var masked = logits.masked_fill(drop, double.NegativeInfinity);
        using var softmax = masked.softmax(1);
        using var anyFloat = any.to_type(ScalarType.Float32);
        return softmax * anyFloat;
    }

    /// <summary>Eval-mode weights of <paramref name="count"/> encoded rows: masked (as the gate uses them) or the plain softmax (as the ONNX graph outputs them). Row-major [count, E].</summary>
    public float[] Predict(ReadOnlySpan<float> features, int count, bool masked = true)
    {
        var f = Shape.Features;
        if (count < 0 || features.Length != count * f)
        {
            throw new ArgumentException($"Expected {count} rows of {f} features, got {features.Length} values.", nameof(features));
        }

        if (count == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(features.ToArray(), [count, f]);
        var output = masked ? MaskedWeights(input) : forward(input).softmax(1);
        return output.contiguous().data<float>().ToArray();
    }

    /// <summary>Named weights as float arrays with their shapes (a copy), for export and comparison.</summary>
    public IReadOnlyDictionary<string, (float[] Values, long[] Shape)> Weights()
    {
        var result = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        foreach (var (name, parameter) in named_parameters())
        {
            using var cpu = parameter.detach().cpu().contiguous();
            result[name] = (cpu.data<float>().ToArray(), cpu.shape);
        }

        return result;
    }

    /// <summary>A copy of the parameters (for keeping the best epoch).</summary>
    public IReadOnlyList<TorchTensor> Snapshot()
    {
        using var noGrad = no_grad();
        return parameters().Select(p => p.detach().clone()).ToList();
    }

    /// <summary>Restores parameters saved by <see cref="Snapshot"/>.</summary>
    public void Restore(IReadOnlyList<TorchTensor> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var noGrad = no_grad();
        var parameters_ = parameters().ToList();
        if (parameters_.Count != snapshot.Count)
        {
            throw new ArgumentException($"The snapshot holds {snapshot.Count} tensors; the network has {parameters_.Count} parameters.", nameof(snapshot));
        }

        for (var i = 0; i < parameters_.Count; i++)
        {
            parameters_[i].copy_(snapshot[i]);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hidden_weight.Dispose();
            hidden_bias.Dispose();
            output_weight.Dispose();
            output_bias.Dispose();
        }

        base.Dispose(disposing);
    }

    private static TorchSharp.Modules.Parameter UniformParameter(Random random, long[] shape, int fanIn)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }

        return new TorchSharp.Modules.Parameter(tensor(values, shape), requires_grad: true);
    }
}
