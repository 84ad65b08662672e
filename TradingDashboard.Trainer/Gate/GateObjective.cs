using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Gate;

/// <summary>
/// What the gate is trained to maximize (docs/gate.md): J = mean_n(net_n x r_n) + beta x mean_n(H(w_n)), with
/// net_n = sum_i w_ni v_ni the combined signed vote (v = confidence x direction of each expert's recorded vote, the
/// orchestrator's combination formula), r_n the forward return divided by the training returns' standard deviation, and
/// H(w) = -sum_i w_i ln w_i the entropy of the weights (0 ln 0 = 0). The small entropy bonus keeps the gate from
/// collapsing onto one expert on thin evidence; L2 on the parameters is Adam's weight decay. The loss is -J.
/// </summary>
public static class GateObjective
{
    /// <summary>-J for weights [N, E], votes [N, E] (c x d), scaled returns [N].</summary>
    public static TorchTensor Loss(TorchTensor weights, TorchTensor votes, TorchTensor returns, double entropyWeight)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(votes);
        ArgumentNullException.ThrowIfNull(returns);
        using var weighted = weights * votes;
        using var net = weighted.sum(1);
        using var gain = net * returns;
        using var meanGain = gain.mean();
        if (entropyWeight == 0)
        {
            return meanGain.neg();
        }

        using var safe = weights.clamp_min(1e-12);
        using var log = safe.log();
        using var plogp = weights * log;
        using var negEntropy = plogp.sum(1);
        using var meanNegEntropy = negEntropy.mean();
        using var bonus = meanNegEntropy * entropyWeight;
        // -J = -(mean gain) - beta * mean H = -(mean gain) + beta * mean(sum w ln w).
        return bonus - meanGain;
    }

    /// <summary>The objective J (not negated) in plain arithmetic, for reports and checks.</summary>
    public static double Value(ReadOnlySpan<float> weights, ReadOnlySpan<float> votes, ReadOnlySpan<double> returns, int experts, double entropyWeight)
    {
        var count = returns.Length;
        if (weights.Length != count * experts || votes.Length != count * experts)
        {
            throw new ArgumentException($"Expected {count} rows of {experts} weights and votes.");
        }

        if (count == 0)
        {
            return 0;
        }

        double gain = 0, entropy = 0;
        for (var n = 0; n < count; n++)
        {
            double net = 0;
            for (var i = 0; i < experts; i++)
            {
                var w = weights[(n * experts) + i];
                net += w * votes[(n * experts) + i];
                entropy -= w > 0 ? w * Math.Log(w) : 0;
            }

            gain += net * returns[n];
        }

        return (gain / count) + (entropyWeight * entropy / count);
    }
}
