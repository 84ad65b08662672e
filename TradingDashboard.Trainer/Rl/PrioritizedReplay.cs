namespace TradingDashboard.Trainer.Rl;

/// <summary>
/// A binary sum tree over <see cref="Capacity"/> leaf priorities: O(log n) update and prefix-sum search (prioritized
/// experience replay, Schaul et al. 2016). The leaves are padded to a power of two (all on the last level of a
/// heap-ordered array), so leaf i's range starts at the sum of the leaves before it in index order.
/// </summary>
public sealed class SumTree
{
    private readonly double[] _nodes;
    private readonly int _leaves;

    public SumTree(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _leaves = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _nodes = new double[(2 * _leaves) - 1];
    }

    public int Capacity { get; }

    /// <summary>Sum of every leaf.</summary>
    public double Total => _nodes[0];

    public double this[int leaf] => _nodes[leaf + _leaves - 1];

    /// <summary>Sets leaf <paramref name="leaf"/> to <paramref name="priority"/> (finite, not negative) and updates its ancestors.</summary>
    public void Update(int leaf, double priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leaf);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leaf, Capacity);
        if (!(priority >= 0) || !double.IsFinite(priority))
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "A priority must be finite and not negative.");
        }

        var node = leaf + _leaves - 1;
        var change = priority - _nodes[node];
        _nodes[node] = priority;
        while (node > 0)
        {
            node = (node - 1) / 2;
            _nodes[node] += change;
        }
    }

    /// <summary>
    /// The leaf whose cumulative range [sum of the leaves before it, that plus its priority) holds <paramref name="mass"/>
    /// (clamped into [0, Total)); zero-priority leaves are never returned while the total is positive.
    /// </summary>
    public int Find(double mass)
    {
        mass = Math.Clamp(mass, 0, Math.BitDecrement(Total));
        var node = 0;
        while (node < _leaves - 1)
        {
            var left = (2 * node) + 1;
            if (mass < _nodes[left] || _nodes[left + 1] <= 0)
            {
                node = left;
            }
            else
            {
                mass -= _nodes[left];
                node = left + 1;
            }
        }

        return node - (_leaves - 1);
    }
}

/// <summary>One sampled minibatch: buffer indices, importance-sampling weights (max 1) and the transitions.</summary>
public sealed record ReplayBatch(int[] Indices, float[] Weights, float[] Observations, long[] Actions, float[] Rewards, float[] NextObservations, float[] Dones);

/// <summary>
/// Proportional prioritized experience replay: a ring buffer of transitions, sampled with probability
/// p_i^alpha / sum p^alpha (stratified: one draw per equal slice of the total), importance weights
/// (N x P(i))^-beta / max, new transitions at the largest priority seen so far.
/// </summary>
public sealed class PrioritizedReplayBuffer
{
    private readonly SumTree _tree;
    private readonly float[] _observations;
    private readonly float[] _nextObservations;
    private readonly long[] _actions;
    private readonly float[] _rewards;
    private readonly float[] _dones;
    private readonly double _alpha;
    private readonly double _epsilon;
    private double _maxPriority = 1;
    private int _next;

    public PrioritizedReplayBuffer(int capacity, int observationLength, double alpha, double epsilon = 1e-5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(observationLength, 1);
        if (alpha is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in [0, 1].");
        }

        _tree = new SumTree(capacity);
        ObservationLength = observationLength;
        _observations = new float[capacity * observationLength];
        _nextObservations = new float[capacity * observationLength];
        _actions = new long[capacity];
        _rewards = new float[capacity];
        _dones = new float[capacity];
        _alpha = alpha;
        _epsilon = epsilon;
    }

    public int Capacity => _tree.Capacity;

    public int Count { get; private set; }

    public int ObservationLength { get; }

    public SumTree Tree => _tree;

    public void Add(ReadOnlySpan<float> observation, int action, float reward, ReadOnlySpan<float> nextObservation, bool done)
    {
        var i = _next;
        observation.CopyTo(_observations.AsSpan(i * ObservationLength, ObservationLength));
        nextObservation.CopyTo(_nextObservations.AsSpan(i * ObservationLength, ObservationLength));
        _actions[i] = action;
        _rewards[i] = reward;
        _dones[i] = done ? 1f : 0f;
        _tree.Update(i, Math.Pow(_maxPriority, _alpha));
        _next = (_next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>Draws <paramref name="batchSize"/> transitions; <paramref name="beta"/> in [0, 1] sets how fully the weights correct the bias.</summary>
    public ReplayBatch Sample(int batchSize, double beta, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (Count == 0)
        {
            throw new InvalidOperationException("The replay buffer is empty.");
        }

        var n = ObservationLength;
        var indices = new int[batchSize];
        var weights = new float[batchSize];
        var observations = new float[batchSize * n];
        var next = new float[batchSize * n];
        var actions = new long[batchSize];
        var rewards = new float[batchSize];
        var dones = new float[batchSize];
        var total = _tree.Total;
        var slice = total / batchSize;
        var maxWeight = 0.0;
        var raw = new double[batchSize];
        for (var b = 0; b < batchSize; b++)
        {
            var i = _tree.Find((b + random.NextDouble()) * slice);
            indices[b] = i;
            var probability = _tree[i] / total;
            raw[b] = Math.Pow(Count * probability, -beta);
            maxWeight = Math.Max(maxWeight, raw[b]);
            _observations.AsSpan(i * n, n).CopyTo(observations.AsSpan(b * n, n));
            _nextObservations.AsSpan(i * n, n).CopyTo(next.AsSpan(b * n, n));
            actions[b] = _actions[i];
            rewards[b] = _rewards[i];
            dones[b] = _dones[i];
        }

        for (var b = 0; b < batchSize; b++)
        {
            weights[b] = (float)(raw[b] / maxWeight);
        }

        return new ReplayBatch(indices, weights, observations, actions, rewards, next, dones);
    }

    /// <summary>Sets each sampled transition's priority to (|TD error| + epsilon)^alpha.</summary>
    public void UpdatePriorities(IReadOnlyList<int> indices, IReadOnlyList<float> tdErrors)
    {
        for (var k = 0; k < indices.Count; k++)
        {
            var priority = Math.Abs((double)tdErrors[k]) + _epsilon;
            if (!double.IsFinite(priority))
            {
                continue;
            }

            _maxPriority = Math.Max(_maxPriority, priority);
            _tree.Update(indices[k], Math.Pow(priority, _alpha));
        }
    }
}
