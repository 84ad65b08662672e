using TorchSharp;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Rl;

namespace TradingDashboard.Tests.Trainer.Rl;

public sealed class RlSumTreeTests
{
    [Fact]
    public void Sum_tree_totals_and_finds_leaves_by_prefix_sums()
    {
        // Leaves 1, 2, 3, 4: cumulative ranges [0,1) [1,3) [3,6) [6,10).
        var tree = new SumTree(4);
        for (var i = 0; i < 4; i++)
        {
            tree.Update(i, i + 1);
        }

        Assert.Equal(10, tree.Total);
        Assert.Equal(0, tree.Find(0));
        Assert.Equal(0, tree.Find(0.999));
        Assert.Equal(1, tree.Find(1));
        Assert.Equal(1, tree.Find(2.999));
        Assert.Equal(2, tree.Find(3));
        Assert.Equal(3, tree.Find(6));
        Assert.Equal(3, tree.Find(9.999));
        Assert.Equal(3, tree.Find(25)); // clamped below the total

        // Leaf 2 to 0: ranges [0,1) [1,3) [3,7) for leaf 3; leaf 2 is never found.
        tree.Update(2, 0);
        Assert.Equal(7, tree.Total);
        Assert.Equal(3, tree.Find(3));
        Assert.Equal(1, tree.Find(2.5));
    }

    [Fact]
    public void Sum_tree_with_a_capacity_that_is_not_a_power_of_two()
    {
        var tree = new SumTree(5);
        double[] priorities = [0.5, 0, 2, 1, 1.5];
        for (var i = 0; i < 5; i++)
        {
            tree.Update(i, priorities[i]);
        }

        Assert.Equal(5, tree.Total, 12);
        // Cumulative: leaf0 [0,0.5), leaf2 [0.5,2.5), leaf3 [2.5,3.5), leaf4 [3.5,5).
        Assert.Equal(0, tree.Find(0.25));
        Assert.Equal(2, tree.Find(0.5));
        Assert.Equal(2, tree.Find(2.4));
        Assert.Equal(3, tree.Find(2.5));
        Assert.Equal(4, tree.Find(4.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Update(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Update(5, 1));
    }

    [Fact]
    public void Prioritized_replay_samples_by_priority_and_weights_by_importance()
    {
        // alpha 1: priorities are |td| + eps; new transitions get the largest priority seen (1 at first).
        var buffer = new PrioritizedReplayBuffer(capacity: 4, observationLength: 1, alpha: 1.0, epsilon: 0);
        for (var i = 0; i < 3; i++)
        {
            buffer.Add([i], i % 3, i * 10, [i + 100], done: i == 2);
        }

        Assert.Equal(3, buffer.Tree.Total, 12);
        buffer.UpdatePriorities([0, 1, 2], [1f, -3f, 0f]);
        Assert.Equal(4, buffer.Tree.Total, 12);

        var random = new Random(1);
        var counts = new int[3];
        for (var draw = 0; draw < 2000; draw++)
        {
            var batch = buffer.Sample(2, beta: 0.5, random);
            // Stratified: one draw in [0,2), one in [2,4): the first is index 0 or 1, the second always index 1.
            Assert.Equal(1, batch.Indices[1]);
            foreach (var i in batch.Indices)
            {
                counts[i]++;
            }

            // Weights (N P(i))^-beta / max over the batch, by hand: P = priority / 4, N = 3.
            var raw = batch.Indices.Select(i => Math.Pow(3 * (new[] { 1.0, 3.0, 0.0 }[i] / 4), -0.5)).ToArray();
            for (var b = 0; b < 2; b++)
            {
                Assert.Equal(raw[b] / raw.Max(), batch.Weights[b], 5);
                Assert.Equal(batch.Indices[b], (int)batch.Observations[b]);
                Assert.Equal(batch.Indices[b] + 100, batch.NextObservations[b]);
                Assert.Equal(batch.Indices[b] * 10, batch.Rewards[b]);
            }
        }

        Assert.Equal(0, counts[2]); // zero priority: never drawn
        // Index 0 takes half of the first stratum (1 of [0,2)): about 1000 of 2000 draws.
        Assert.InRange(counts[0], 900, 1100);
    }
}

public sealed class RlLossTests
{
    [Fact]
    public void Gae_matches_a_hand_computation()
    {
        // gamma 0.9, lambda 0.8; step 1 is terminal: delta1 = 1 - 0.5 = 0.5 = A1;
        // delta0 = 1 + 0.9 * 0.5 - 0.5 = 0.95, A0 = 0.95 + 0.9 * 0.8 * 0.5 = 1.31.
        var (advantages, returns) = PpoLearner.Gae([1f, 1f], [0.5f, 0.5f], [false, true], bootstrap: 7f, gamma: 0.9, lambda: 0.8);
        Assert.Equal(1.31, advantages[0], 6);
        Assert.Equal(0.5, advantages[1], 6);
        Assert.Equal(1.81f, returns[0], 5);
        Assert.Equal(1.0f, returns[1], 5);

        // Cut (not terminal): the bootstrap value counts. delta1 = 1 + 0.9 * 2 - 0.5 = 2.3.
        var (cut, _) = PpoLearner.Gae([1f, 1f], [0.5f, 0.5f], [false, false], bootstrap: 2f, gamma: 0.9, lambda: 0.8);
        Assert.Equal(2.3, cut[1], 6);
        Assert.Equal(0.95 + (0.72 * 2.3), cut[0], 6);
    }

    [Fact]
    [Trait("Category", "Torch")]
    public void Huber_is_quadratic_inside_delta_and_linear_outside()
    {
        TorchNativeLoader.EnsureLoaded();
        using var error = torch.tensor(new[] { 0.5f, -2f, 1f, 3f }, [4]);
        using var loss = DqnLearner.Huber(error, 1.0);
        Assert.Equal([0.125f, 1.5f, 0.5f, 2.5f], loss.data<float>().ToArray());
        using var wide = DqnLearner.Huber(error, 2.0);
        Assert.Equal([0.125f, 2f, 0.5f, 4f], wide.data<float>().ToArray());
    }
}
