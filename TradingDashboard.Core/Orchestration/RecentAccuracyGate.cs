using Microsoft.Extensions.Options;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The non-learned gate used until a trained gate exists (docs/orchestrator.md). For the experts that did not abstain:
/// a_i = (hits_i + 1) / (scored_i + 2) (the recent hit rate with a Laplace prior, 0.5 before anything is scored), and
/// w_i = exp(a_i / T) / sum_j exp(a_j / T) with temperature T (Trading:Orchestrator:GateTemperature). Abstaining experts
/// get 0. It reads neither the volatility regime nor the experts' confidences (the confidences enter the combination
/// itself); those inputs are in the <see cref="GateContext"/> for a trained gate.
/// </summary>
public sealed class RecentAccuracyGate : IGate
{
    public const string GateName = "recent-accuracy";

    public RecentAccuracyGate(IOptions<OrchestratorOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.GateTemperature)
    {
    }

    public RecentAccuracyGate(double temperature)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The gate temperature must be above 0.");
        }

        Temperature = temperature;
    }

    public string Name => GateName;

    public double Temperature { get; }

    /// <summary>The smoothed accuracy the gate uses for an expert.</summary>
    public static double SmoothedAccuracy(int hits, int scored) => (hits + 1.0) / (scored + 2.0);

    public IReadOnlyList<double> Weigh(GateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var experts = context.Experts;
        var weights = new double[experts.Count];
        var max = double.NegativeInfinity;
        for (var i = 0; i < experts.Count; i++)
        {
            if (!experts[i].Vote.Abstained)
            {
                max = Math.Max(max, SmoothedAccuracy(experts[i].Hits, experts[i].Scored) / Temperature);
            }
        }

        if (double.IsNegativeInfinity(max))
        {
            return weights;
        }

        var sum = 0.0;
        for (var i = 0; i < experts.Count; i++)
        {
            if (!experts[i].Vote.Abstained)
            {
                // Shifted by the maximum so a small temperature cannot overflow exp.
                weights[i] = Math.Exp((SmoothedAccuracy(experts[i].Hits, experts[i].Scored) / Temperature) - max);
                sum += weights[i];
            }
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }

        return weights;
    }
}
