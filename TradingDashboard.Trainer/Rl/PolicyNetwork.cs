using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Rl;

/// <summary>Sizes of a <see cref="PolicyNetwork"/>: the observation length, the hidden layer widths, and the head.</summary>
/// <param name="Dueling">True: DQN's dueling head (Q = V + A - mean(A)); false: PPO's policy logits and critic value.</param>
public sealed record PolicyNetworkShape(int ObservationLength, IReadOnlyList<int> Hidden, bool Dueling, int Actions = 3)
{
    public void Validate()
    {
        if (ObservationLength < 1 || Actions < 2 || Hidden.Count == 0 || Hidden.Any(h => h < 1))
        {
            throw new ArgumentException("The observation length and every hidden width must be positive, with at least one hidden layer and two actions.");
        }
    }
}

/// <summary>
/// Fixed per-feature observation normalization, (x - mean) / std, computed once on training observations and baked into
/// the ONNX graph, so the host feeds raw observations. A feature with (nearly) no spread gets std 1 (it is only centred).
/// </summary>
public sealed record ObservationNormalization(float[] Mean, float[] Std)
{
    public const float MinStd = 1e-6f;

    public int Length => Mean.Length;

    public static ObservationNormalization Identity(int length) => new(new float[length], Enumerable.Repeat(1f, length).ToArray());

    /// <summary>Mean and population standard deviation per feature (in double precision) over <paramref name="observations"/>.</summary>
    public static ObservationNormalization Compute(IReadOnlyList<float[]> observations, int length)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Count == 0)
        {
            return Identity(length);
        }

        var sum = new double[length];
        var squares = new double[length];
        foreach (var o in observations)
        {
            for (var i = 0; i < length; i++)
            {
                sum[i] += o[i];
            }
        }

        var mean = sum.Select(s => s / observations.Count).ToArray();
        foreach (var o in observations)
        {
            for (var i = 0; i < length; i++)
            {
                var d = o[i] - mean[i];
                squares[i] += d * d;
            }
        }

        var std = squares.Select(s => Math.Sqrt(s / observations.Count)).Select(s => s < MinStd ? 1f : (float)s).ToArray();
        return new ObservationNormalization(mean.Select(m => (float)m).ToArray(), std);
    }
}

/// <summary>One forward pass: action scores [N, A] (Q-values or logits) and the value [N] (max Q, or the critic).</summary>
public readonly record struct PolicyOutput(TorchTensor Scores, TorchTensor Value);

/// <summary>
/// The RL agent's MLP: normalization ((x - mean) / std, fixed buffers), a shared trunk of Linear + ReLU layers, then
/// either the dueling Q head (DQN: V [N,1] and A [N,A], Q = V + A - mean(A), value = max Q) or the actor-critic heads
/// (PPO: policy logits [N,A] and value [N]). Parameter names: trunk.I.weight/bias, head.weight/bias (advantage or policy),
/// value.weight/bias.
/// </summary>
public sealed class PolicyNetwork : nn.Module<TorchTensor, PolicyOutput>
{
    private readonly ModuleList<Linear> trunk = new();
    private readonly Linear head;
    private readonly Linear value;
    private readonly TorchTensor obs_mean;
    private readonly TorchTensor obs_std;

    public PolicyNetwork(PolicyNetworkShape shape, ObservationNormalization normalization)
        : base(shape?.Dueling == true ? "dueling_q" : "actor_critic")
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(normalization);
        shape.Validate();
        if (normalization.Length != shape.ObservationLength)
        {
            throw new ArgumentException($"Normalization for {normalization.Length} features, observation of {shape.ObservationLength}.", nameof(normalization));
        }

        Shape = shape;
        var width = shape.ObservationLength;
        foreach (var h in shape.Hidden)
        {
            trunk.Add(nn.Linear(width, h));
            width = h;
        }

        head = nn.Linear(width, shape.Actions);
        value = nn.Linear(width, 1);
        obs_mean = torch.tensor(normalization.Mean, [1, shape.ObservationLength]);
        obs_std = torch.tensor(normalization.Std, [1, shape.ObservationLength]);
        RegisterComponents();
    }

    public PolicyNetworkShape Shape { get; }

    public override PolicyOutput forward(TorchTensor input)
    {
        using var scope = torch.NewDisposeScope();
        var h = (input - obs_mean) / obs_std;
        foreach (var layer in trunk)
        {
            h = nn.functional.relu(layer.forward(h));
        }

        var a = head.forward(h);
        var v = value.forward(h);
        PolicyOutput output;
        if (Shape.Dueling)
        {
            var q = v + a - a.mean([1], keepdim: true);
            output = new PolicyOutput(q, q.max(1).values);
        }
        else
        {
            output = new PolicyOutput(a, v.squeeze(1));
        }

        output.Scores.MoveToOuterDisposeScope();
        output.Value.MoveToOuterDisposeScope();
        return output;
    }

    /// <summary>The baked-in normalization (read back from the buffers, so it survives a checkpoint load).</summary>
    public ObservationNormalization Normalization()
    {
        using var mean = obs_mean.detach().cpu().contiguous();
        using var std = obs_std.detach().cpu().contiguous();
        return new ObservationNormalization(mean.data<float>().ToArray(), std.data<float>().ToArray());
    }

    /// <summary>Scores and value of one observation (no gradient), as doubles.</summary>
    public (float[] Scores, float Value) Evaluate(ReadOnlySpan<float> observation)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = torch.tensor(observation.ToArray(), [1, observation.Length]);
        var output = forward(x);
        return (output.Scores.data<float>().ToArray(), output.Value.data<float>()[0]);
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

    /// <summary>Copies every parameter and buffer of <paramref name="source"/> (same shape) into this network.</summary>
    public void CopyFrom(PolicyNetwork source)
    {
        ArgumentNullException.ThrowIfNull(source);
        load_state_dict(source.state_dict());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            trunk.Dispose();
            head.Dispose();
            value.Dispose();
            obs_mean.Dispose();
            obs_std.Dispose();
        }

        base.Dispose(disposing);
    }
}
