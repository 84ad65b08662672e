using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>Sizes of a <see cref="PivotCnn"/>. The input shape comes from the feature schema.</summary>
public sealed record PivotCnnShape(int Symbols, int Timeframes, int Window, int Features, int ConvChannels = 64, int KernelSize = 3, int Hidden = 48, int Attention = 32, double Dropout = 0.1)
{
    public int InputChannels => Symbols * Timeframes * Features;

    public void Validate()
    {
        if (Symbols < 1 || Timeframes < 1 || Window < 1 || Features < 1)
        {
            throw new ArgumentException("Symbols, timeframes, window and features must be positive.");
        }

        if (ConvChannels < 1 || Hidden < 1 || Attention < 1 || KernelSize < 1 || KernelSize % 2 == 0)
        {
            throw new ArgumentException("Channels, hidden and attention sizes must be positive; the kernel size odd (same-length convolutions).");
        }

        if (Dropout is < 0 or >= 1)
        {
            throw new ArgumentException("Dropout must be in [0, 1).");
        }
    }
}

/// <summary>The outputs of one forward pass: class logits [B, T, 3] (none, high, low), confidence logits [B, T] and the hidden vector [B, H].</summary>
public sealed record PivotCnnOutput(TorchTensor Logits, TorchTensor ConfidenceLogits, TorchTensor Hidden);

/// <summary>Eval-mode outputs of <see cref="PivotCnn.Predict"/>: Probabilities [n, t, 3], Confidence [n, t], Hidden [n, h], row-major.</summary>
public sealed record PivotCnnPrediction(int Count, int Timeframes, int HiddenSize, float[] Probabilities, float[] Confidence, float[] Hidden)
{
    /// <summary>The most probable class of frame <paramref name="n"/> on timeframe index <paramref name="t"/> (0 none, 1 high, 2 low; ties to the lower index).</summary>
    public int Predicted(int n, int t)
    {
        var o = ((n * Timeframes) + t) * 3;
        var best = 0;
        for (var c = 1; c < 3; c++)
        {
            if (Probabilities[o + c] > Probabilities[o + best])
            {
                best = c;
            }
        }

        return best;
    }
}

/// <summary>
/// The pivot CNN: input [B, S, T, W, F]; every (symbol, timeframe, feature) is a channel over the W bars of the window;
/// two Conv1d+ReLU blocks; a GRU over time; additive attention over the GRU states gives the context vector (the
/// "hidden" output, the representation before the heads); per timeframe a linear head gives 3-class logits, and one
/// linear layer gives a confidence logit per timeframe (sigmoid: probability that the top class is right).
/// <see cref="CnnOnnxExporter"/> rebuilds exactly this graph in ONNX.
/// </summary>
public sealed class PivotCnn : nn.Module<TorchTensor, PivotCnnOutput>
{
    private readonly Conv1d conv1;
    private readonly Conv1d conv2;
    private readonly GRU gru;
    private readonly Linear attention;
    private readonly Linear attentionScore;
    private readonly Dropout dropout;
    private readonly ModuleList<Linear> heads;
    private readonly Linear confidence;

    public PivotCnn(PivotCnnShape shape)
        : base(nameof(PivotCnn))
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Shape = shape;
        var padding = shape.KernelSize / 2;
        conv1 = nn.Conv1d(shape.InputChannels, shape.ConvChannels, shape.KernelSize, padding: padding);
        conv2 = nn.Conv1d(shape.ConvChannels, shape.ConvChannels, shape.KernelSize, padding: padding);
        gru = nn.GRU(shape.ConvChannels, shape.Hidden, batchFirst: true);
        attention = nn.Linear(shape.Hidden, shape.Attention);
        attentionScore = nn.Linear(shape.Attention, 1, hasBias: false);
        dropout = nn.Dropout(shape.Dropout);
        heads = nn.ModuleList(Enumerable.Range(0, shape.Timeframes).Select(_ => nn.Linear(shape.Hidden, 3)).ToArray());
        confidence = nn.Linear(shape.Hidden, shape.Timeframes);
        RegisterComponents();
    }

    public PivotCnnShape Shape { get; }

    public override PivotCnnOutput forward(TorchTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = Shape;
        var batch = input.shape[0];

        // [B, S, T, W, F] -> [B, S*T, F, W] -> [B, S*T*F, W]: channel index (s*T + t)*F + f.
        using var blocks = input.reshape(batch, s.Symbols * s.Timeframes, s.Window, s.Features);
        using var channelsFirst = blocks.permute(0, 1, 3, 2);
        using var channels = channelsFirst.reshape(batch, s.InputChannels, s.Window);
        using var c1 = conv1.forward(channels);
        using var r1 = nn.functional.relu(c1);
        using var c2 = conv2.forward(r1);
        using var r2 = nn.functional.relu(c2);
        using var sequence = r2.permute(0, 2, 1); // [B, W, C]
        var (states, last) = gru.forward(sequence, null); // states [B, W, H]
        last.Dispose();
        using var _ = states;

        using var a = attention.forward(states);
        using var t = a.tanh();
        using var scores = attentionScore.forward(t); // [B, W, 1]
        using var weights = scores.softmax(1);
        using var weighted = states * weights;
        var hidden = weighted.sum(1); // [B, H]

        using var dropped = dropout.forward(hidden);
        var headLogits = heads.Select(h => h.forward(dropped)).ToArray();
        var logits = stack(headLogits, 1); // [B, T, 3]
        foreach (var head in headLogits)
        {
            head.Dispose();
        }

        var confidenceLogits = confidence.forward(dropped); // [B, T]
        return new PivotCnnOutput(logits, confidenceLogits, hidden);
    }

    /// <summary>
    /// Eval-mode forward of <paramref name="count"/> frames laid out back to back: probabilities [n][t][none, high, low]
    /// (softmax), confidence [n][t] (sigmoid) and hidden [n][h], as the ONNX export computes them.
    /// </summary>
    public PivotCnnPrediction Predict(ReadOnlySpan<float> frames, int count)
    {
        var s = Shape;
        var frameLength = s.Symbols * s.Timeframes * s.Window * s.Features;
        if (frames.Length != count * frameLength)
        {
            throw new ArgumentException($"Expected {count} frames of {frameLength} values, got {frames.Length} values.", nameof(frames));
        }

        var wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var input = tensor(frames.ToArray(), [count, s.Symbols, s.Timeframes, s.Window, s.Features]);
            var output = forward(input);
            var probabilities = output.Logits.softmax(-1).contiguous().data<float>().ToArray();
            var confidence = output.ConfidenceLogits.sigmoid().contiguous().data<float>().ToArray();
            var hidden = output.Hidden.contiguous().data<float>().ToArray();
            return new PivotCnnPrediction(count, s.Timeframes, s.Hidden, probabilities, confidence, hidden);
        }
        finally
        {
            train(wasTraining);
        }
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
            gru.Dispose();
            attention.Dispose();
            attentionScore.Dispose();
            dropout.Dispose();
            heads.Dispose();
            confidence.Dispose();
        }

        base.Dispose(disposing);
    }
}
