using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Rl;

/// <summary>What a learner reports about one finished episode.</summary>
public readonly record struct LearnerEpisodeStats(double? Loss, double Exploration);

/// <summary>An RL learner driven step by step by <see cref="RlTrainer"/>. Not thread-safe.</summary>
public interface IRlLearner : IDisposable
{
    PolicyNetwork Network { get; }

    /// <summary>Environment steps taken so far (restored on resume).</summary>
    long Steps { get; set; }

    /// <summary>The action to take (exploring).</summary>
    int Act(float[] observation);

    /// <summary>Records the transition; <paramref name="terminal"/> is a real end (no bootstrap), <paramref name="truncated"/> a cut (bootstrap).</summary>
    void Observe(float[] observation, int action, double reward, float[] next, bool terminal, bool truncated);

    /// <summary>Called when an episode ends; returns its mean loss and exploration figure.</summary>
    LearnerEpisodeStats EndEpisode();
}

/// <summary>
/// Double DQN with a dueling head and proportional prioritized replay: epsilon-greedy with a linear schedule, targets
/// y = r + gamma (1 - done) Q_target(s', argmax_a Q_online(s', a)), Huber loss weighted by the importance weights,
/// gradient-norm clipping, a hard target sync every <see cref="RlTrainingOptions.TargetSync"/> steps.
/// </summary>
public sealed class DqnLearner : IRlLearner
{
    private readonly RlTrainingOptions _o;
    private readonly PolicyNetwork _target;
    private readonly optim.Optimizer _optimizer;
    private readonly PrioritizedReplayBuffer _replay;
    private readonly Random _random;
    private readonly long _plannedSteps;
    private double _lossSum;
    private int _updates;

    public DqnLearner(PolicyNetwork network, RlTrainingOptions options, long plannedSteps, Random random)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        _o = options;
        Network = network;
        _target = new PolicyNetwork(network.Shape, network.Normalization());
        _target.CopyFrom(network);
        _target.eval();
        _optimizer = optim.Adam(network.parameters(), options.EffectiveLearningRate);
        _replay = new PrioritizedReplayBuffer(options.ReplayCapacity, network.Shape.ObservationLength, options.PriorityAlpha);
        _random = random;
        _plannedSteps = Math.Max(1, plannedSteps);
    }

    public PolicyNetwork Network { get; }

    public long Steps { get; set; }

    public double Epsilon
    {
        get
        {
            var fraction = Math.Min(1.0, Steps / (_o.EpsilonDecayFraction * _plannedSteps));
            return _o.EpsilonStart + (fraction * (_o.EpsilonEnd - _o.EpsilonStart));
        }
    }

    public double Beta => Math.Min(1.0, _o.PriorityBetaStart + ((1 - _o.PriorityBetaStart) * Steps / _plannedSteps));

    public int Act(float[] observation)
    {
        // Draw both numbers every step so the random stream does not depend on the network's outputs.
        var explore = _random.NextDouble() < Epsilon;
        var randomAction = _random.Next(3);
        return explore ? randomAction : RlMath.ArgMax(Network.Evaluate(observation).Scores);
    }

    public void Observe(float[] observation, int action, double reward, float[] next, bool terminal, bool truncated)
    {
        _replay.Add(observation, action, (float)(reward * _o.RewardScale), next, terminal);
        Steps++;
        if (_replay.Count >= _o.LearningStarts && Steps % _o.TrainEvery == 0)
        {
            _lossSum += Update();
            _updates++;
        }

        if (Steps % _o.TargetSync == 0)
        {
            _target.CopyFrom(Network);
        }
    }

    public LearnerEpisodeStats EndEpisode()
    {
        var stats = new LearnerEpisodeStats(_updates > 0 ? _lossSum / _updates : null, Epsilon);
        _lossSum = 0;
        _updates = 0;
        return stats;
    }

    /// <summary>One gradient step on a prioritized minibatch; returns the weighted Huber loss.</summary>
    private double Update()
    {
        using var scope = torch.NewDisposeScope();
        var batch = _replay.Sample(_o.BatchSize, Beta, _random);
        var n = batch.Indices.Length;
        var obsLength = Network.Shape.ObservationLength;
        var observations = torch.tensor(batch.Observations, [n, obsLength]);
        var next = torch.tensor(batch.NextObservations, [n, obsLength]);
        var actions = torch.tensor(batch.Actions, [n]);
        var rewards = torch.tensor(batch.Rewards, [n]);
        var dones = torch.tensor(batch.Dones, [n]);
        var weights = torch.tensor(batch.Weights, [n]);

        TorchTensor targets;
        using (torch.no_grad())
        {
            var nextActions = Network.forward(next).Scores.argmax(1);
            var nextQ = _target.forward(next).Scores.gather(1, nextActions.unsqueeze(1)).squeeze(1);
            targets = rewards + (_o.Gamma * (1 - dones) * nextQ);
        }

        var q = Network.forward(observations).Scores.gather(1, actions.unsqueeze(1)).squeeze(1);
        var td = q - targets;
        var loss = (weights * Huber(td, _o.HuberDelta)).mean();
        _optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(Network.parameters(), _o.MaxGradNorm);
        _optimizer.step();
        _replay.UpdatePriorities(batch.Indices, td.detach().data<float>().ToArray());
        return loss.item<float>();
    }

    /// <summary>Huber loss of the error: 0.5 e^2 where |e| &lt;= delta, else delta (|e| - 0.5 delta).</summary>
    public static TorchTensor Huber(TorchTensor error, double delta)
    {
        var abs = error.abs();
        return torch.where(abs <= delta, 0.5 * error * error, delta * (abs - (0.5 * delta)));
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _target.Dispose();
    }
}

/// <summary>
/// PPO (clipped surrogate) with an actor-critic MLP: one rollout per episode, advantages by GAE(lambda) (bootstrapped
/// from the critic where the episode was cut, not ended), normalized; then <see cref="RlTrainingOptions.PpoEpochs"/>
/// passes over shuffled minibatches of policy loss + value loss x c_v - entropy x c_e, gradient-norm clipped.
/// </summary>
public sealed class PpoLearner : IRlLearner
{
    private readonly RlTrainingOptions _o;
    private readonly optim.Optimizer _optimizer;
    private readonly Random _random;
    private readonly List<float[]> _observations = [];
    private readonly List<long> _actions = [];
    private readonly List<float> _logProbs = [];
    private readonly List<float> _values = [];
    private readonly List<float> _rewards = [];
    private readonly List<bool> _terminals = [];
    private float _lastLogProb;
    private float _lastValue;
    private float _bootstrap;

    public PpoLearner(PolicyNetwork network, RlTrainingOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        _o = options;
        Network = network;
        _optimizer = optim.Adam(network.parameters(), options.EffectiveLearningRate);
        _random = random;
    }

    public PolicyNetwork Network { get; }

    public long Steps { get; set; }

    public int Act(float[] observation)
    {
        var (scores, value) = Network.Evaluate(observation);
        var probabilities = Softmax(scores);
        var u = _random.NextDouble();
        var action = probabilities.Length - 1;
        double cumulative = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative)
            {
                action = i;
                break;
            }
        }

        _lastLogProb = (float)Math.Log(Math.Max(probabilities[action], 1e-12));
        _lastValue = value;
        return action;
    }

    public void Observe(float[] observation, int action, double reward, float[] next, bool terminal, bool truncated)
    {
        _observations.Add(observation);
        _actions.Add(action);
        _logProbs.Add(_lastLogProb);
        _values.Add(_lastValue);
        _rewards.Add((float)(reward * _o.RewardScale));
        _terminals.Add(terminal);
        _bootstrap = truncated && !terminal ? Network.Evaluate(next).Value : 0f;
        Steps++;
    }

    public LearnerEpisodeStats EndEpisode()
    {
        var count = _observations.Count;
        if (count == 0)
        {
            return new LearnerEpisodeStats(null, 0);
        }

        var (advantages, returns) = Gae(_rewards, _values, _terminals, _bootstrap, _o.Gamma, _o.GaeLambda);
        var mean = advantages.Average();
        var std = Math.Sqrt(advantages.Select(a => (a - mean) * (a - mean)).Average());
        var normalized = advantages.Select(a => (float)((a - mean) / (std + 1e-8))).ToArray();

        var obsLength = Network.Shape.ObservationLength;
        var flat = new float[count * obsLength];
        for (var i = 0; i < count; i++)
        {
            _observations[i].CopyTo(flat, i * obsLength);
        }

        double lossSum = 0, entropySum = 0;
        var batches = 0;
        var order = Enumerable.Range(0, count).ToArray();
        for (var epoch = 0; epoch < _o.PpoEpochs; epoch++)
        {
            _random.Shuffle(order);
            for (var start = 0; start < count; start += _o.MinibatchSize)
            {
                var idx = order.Skip(start).Take(_o.MinibatchSize).ToArray();
                var (loss, entropy) = Minibatch(flat, obsLength, idx, normalized, returns);
                lossSum += loss;
                entropySum += entropy;
                batches++;
            }
        }

        _observations.Clear();
        _actions.Clear();
        _logProbs.Clear();
        _values.Clear();
        _rewards.Clear();
        _terminals.Clear();
        _bootstrap = 0;
        return new LearnerEpisodeStats(lossSum / batches, entropySum / batches);
    }

    /// <summary>
    /// Generalized advantage estimation: delta_t = r_t + gamma V(s_{t+1}) (1 - terminal_t) - V(s_t), A_t = delta_t +
    /// gamma lambda (1 - terminal_t) A_{t+1}; V after the last step is <paramref name="bootstrap"/>. Returns = A + V.
    /// </summary>
    public static (double[] Advantages, float[] Returns) Gae(IReadOnlyList<float> rewards, IReadOnlyList<float> values, IReadOnlyList<bool> terminals, float bootstrap, double gamma, double lambda)
    {
        var n = rewards.Count;
        var advantages = new double[n];
        var returns = new float[n];
        double next = 0;
        for (var t = n - 1; t >= 0; t--)
        {
            var nextValue = t == n - 1 ? bootstrap : values[t + 1];
            var notDone = terminals[t] ? 0 : 1;
            var delta = rewards[t] + (gamma * nextValue * notDone) - values[t];
            next = delta + (gamma * lambda * notDone * next);
            advantages[t] = next;
            returns[t] = (float)(next + values[t]);
        }

        return (advantages, returns);
    }

    private (double Loss, double Entropy) Minibatch(float[] flat, int obsLength, int[] idx, float[] advantages, float[] returns)
    {
        using var scope = torch.NewDisposeScope();
        var m = idx.Length;
        var obs = new float[m * obsLength];
        var actions = new long[m];
        var oldLogProbs = new float[m];
        var adv = new float[m];
        var ret = new float[m];
        for (var k = 0; k < m; k++)
        {
            Array.Copy(flat, idx[k] * obsLength, obs, k * obsLength, obsLength);
            actions[k] = _actions[idx[k]];
            oldLogProbs[k] = _logProbs[idx[k]];
            adv[k] = advantages[idx[k]];
            ret[k] = returns[idx[k]];
        }

        var output = Network.forward(torch.tensor(obs, [m, obsLength]));
        var logProbs = nn.functional.log_softmax(output.Scores, 1);
        var logProb = logProbs.gather(1, torch.tensor(actions, [m]).unsqueeze(1)).squeeze(1);
        var ratio = (logProb - torch.tensor(oldLogProbs, [m])).exp();
        var advantage = torch.tensor(adv, [m]);
        var surrogate = torch.minimum(ratio * advantage, ratio.clamp(1 - _o.ClipRange, 1 + _o.ClipRange) * advantage);
        var entropy = -(logProbs.exp() * logProbs).sum(1).mean();
        var valueLoss = (output.Value - torch.tensor(ret, [m])).pow(2).mean();
        var loss = -surrogate.mean() + (_o.ValueCoefficient * valueLoss) - (_o.EntropyCoefficient * entropy);
        _optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(Network.parameters(), _o.PpoMaxGradNorm);
        _optimizer.step();
        return (loss.item<float>(), entropy.item<float>());
    }

    private static double[] Softmax(float[] scores)
    {
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    public void Dispose() => _optimizer.Dispose();
}
