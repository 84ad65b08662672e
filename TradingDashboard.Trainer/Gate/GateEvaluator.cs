using TradingDashboard.Core.Orchestration;

namespace TradingDashboard.Trainer.Gate;

/// <summary>
/// Scores gates on resolved decisions with the orchestrator's combination formula (docs/orchestrator.md):
/// net = sum_i w_i c_i d_i over the context's experts; CombinedReturn = mean(net x r); HitRate = share of the decisions
/// with net != 0 whose sign matches r (r = 0 is a miss; 0 when no decision had a non-zero net).
/// </summary>
public static class GateEvaluator
{
    /// <summary>net = sum_i w_i c_i d_i, with <paramref name="weights"/> in the order of the context's experts.</summary>
    public static double Net(GateContext context, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count != context.Experts.Count)
        {
            throw new ArgumentException($"{weights.Count} weights for {context.Experts.Count} experts.", nameof(weights));
        }

        var net = 0.0;
        for (var i = 0; i < weights.Count; i++)
        {
            var vote = context.Experts[i].Vote;
            net += weights[i] * vote.Confidence * vote.Direction;
        }

        return net;
    }

    /// <summary>Both gates on the same resolved decisions: <paramref name="gate"/>'s return, <paramref name="baseline"/>'s return, the gate's hit rate.</summary>
    public static GateEvaluation Evaluate(IReadOnlyList<DecisionOutcome> decisions, IGate gate, IGate baseline)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(gate);
        return Evaluate(decisions, decisions.Select(d => gate.Weigh(d.Context)).ToList(), baseline);
    }

    /// <summary>As <see cref="Evaluate(IReadOnlyList{DecisionOutcome}, IGate, IGate)"/> with the gate's weights given per decision (context order).</summary>
    public static GateEvaluation Evaluate(IReadOnlyList<DecisionOutcome> decisions, IReadOnlyList<IReadOnlyList<double>> weights, IGate baseline)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(baseline);
        if (weights.Count != decisions.Count)
        {
            throw new ArgumentException($"{weights.Count} weight rows for {decisions.Count} decisions.", nameof(weights));
        }

        if (decisions.Count == 0)
        {
            throw new ArgumentException("No decisions to evaluate on.", nameof(decisions));
        }

        double combined = 0, baselineSum = 0;
        int directional = 0, hits = 0;
        for (var n = 0; n < decisions.Count; n++)
        {
            var decision = decisions[n];
            if (decision.ForwardReturn is not { } r || !double.IsFinite(r))
            {
                throw new ArgumentException($"Decision {n} ({decision.Describe()}) is not resolved.", nameof(decisions));
            }

            var net = Net(decision.Context, weights[n]);
            combined += net * r;
            baselineSum += Net(decision.Context, baseline.Weigh(decision.Context)) * r;
            if (net != 0)
            {
                directional++;
                hits += Math.Sign(net) == Math.Sign(r) ? 1 : 0;
            }
        }

        return new GateEvaluation(
            decisions.Count,
            combined / decisions.Count,
            baselineSum / decisions.Count,
            directional == 0 ? 0 : (double)hits / directional,
            decisions[0].Context.Time,
            decisions[^1].Context.Time);
    }

    /// <summary>
    /// Maps gate weights in <paramref name="experts"/> order (the network's outputs) onto the context's experts: an expert of
    /// the context the gate does not know gets 0, as does one that abstained.
    /// </summary>
    public static IReadOnlyList<double> ToContextOrder(GateContext context, IReadOnlyList<string> experts, ReadOnlySpan<float> weights)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(experts);
        if (weights.Length != experts.Count)
        {
            throw new ArgumentException($"{weights.Length} weights for {experts.Count} experts.", nameof(weights));
        }

        var result = new double[context.Experts.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var input = context.Experts[i];
            if (input.Vote.Abstained)
            {
                continue;
            }

            for (var k = 0; k < experts.Count; k++)
            {
                if (string.Equals(experts[k], input.Expert, StringComparison.Ordinal))
                {
                    result[i] = weights[k];
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The host's masking of the ONNX output (plain softmax over all experts): zero the experts whose encoded "present"
    /// value is 0 and renormalize the rest to sum 1 (all 0 when none is present). In place, one row of E weights.
    /// </summary>
    public static void MaskAndRenormalize(ReadOnlySpan<float> features, Span<float> weights)
    {
        var sum = 0.0;
        for (var k = 0; k < weights.Length; k++)
        {
            if (features[GateNetwork.PresentIndex(k)] <= 0.5f)
            {
                weights[k] = 0;
            }

            sum += weights[k];
        }

        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] = sum > 0 ? (float)(weights[k] / sum) : 0f;
        }
    }
}
