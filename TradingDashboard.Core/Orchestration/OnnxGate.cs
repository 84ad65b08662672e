using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// One trained gate file as a plain <see cref="IGate"/>, for offline use (strategy evaluation, the incumbent of a gate
/// retraining, benchmarks): the file is loaded with the host's checks (<see cref="OnnxGateModel.Load"/>) and weighed as
/// the host's <see cref="TrainedGate"/> weighs (abstainers and experts unknown to the card get 0, the rest renormalized,
/// <see cref="TrainedGate.MapWeights"/>), without the host's fallback: when no voter has a weight, every weight is 0.
/// </summary>
public sealed class OnnxGate : IGate, IDisposable
{
    private readonly OnnxGateModel _model;

    public OnnxGate(OnnxGateModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Loads a gate on the CPU (one thread) unless <paramref name="sessions"/> says otherwise; throws <see cref="InvalidDataException"/> for a bad file.</summary>
    public static OnnxGate Load(string onnxPath, OnnxSessionFactory? sessions = null) =>
        new(OnnxGateModel.Load(onnxPath, sessions ?? new OnnxSessionFactory(Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 }), NullLogger<OnnxSessionFactory>.Instance)));

    public GateModelCard Card => _model.Card;

    public string Name => "onnx:" + _model.Card.Name;

    public IReadOnlyList<double> Weigh(GateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return TrainedGate.MapWeights(_model.Run(context), _model.Card.Experts, context) ?? new double[context.Experts.Count];
    }

    public override string ToString() => $"{Name} ({_model.OnnxPath})";

    public void Dispose() => _model.Dispose();
}
