using System.Globalization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Risk;
using TradingDashboard.Trainer.Verbs;

namespace TradingDashboard.Trainer.Rl;

/// <summary>The two learning algorithms of the RL agent.</summary>
public enum RlAlgorithm
{
    /// <summary>Double DQN, dueling head, prioritized replay.</summary>
    Dqn,

    /// <summary>PPO actor-critic with GAE.</summary>
    Ppo,
}

/// <summary>Hyper-parameters of one RL training run (docs/rl.md lists the defaults and why).</summary>
public sealed record RlTrainingOptions
{
    public RlAlgorithm Algorithm { get; init; } = RlAlgorithm.Dqn;

    public string ModelName { get; init; } = "rl-policy";

    public int Seed { get; init; } = 42;

    public int Episodes { get; init; } = 200;

    /// <summary>Steps per training episode (a random start each episode).</summary>
    public int MaxSteps { get; init; } = 500;

    public IReadOnlyList<int> Hidden { get; init; } = [64, 64];

    /// <summary>Null: 5e-4 for DQN, 3e-4 for PPO.</summary>
    public double? LearningRate { get; init; }

    public double Gamma { get; init; } = 0.99;

    /// <summary>Rewards are multiplied by this for learning (100: one percent of the initial equity is 1).</summary>
    public double RewardScale { get; init; } = 100;

    public int Threads { get; init; } = 1;

    /// <summary>A TorchSharp state dict every this many episodes (and at the end); 0: only at the end.</summary>
    public int CheckpointEvery { get; init; } = 25;

    /// <summary>Observations of random-action episodes used to fix the normalization (mean and std per feature).</summary>
    public int NormalizationSteps { get; init; } = 20_000;

    public string Trigger { get; init; } = "cli";

    // DQN
    public int BatchSize { get; init; } = 64;

    public int ReplayCapacity { get; init; } = 100_000;

    public int LearningStarts { get; init; } = 1_000;

    /// <summary>One gradient step every this many environment steps.</summary>
    public int TrainEvery { get; init; } = 2;

    /// <summary>Copy the online network into the target network every this many environment steps.</summary>
    public int TargetSync { get; init; } = 1_000;

    public double EpsilonStart { get; init; } = 1.0;

    public double EpsilonEnd { get; init; } = 0.05;

    /// <summary>Share of the run's planned steps over which epsilon falls linearly from start to end.</summary>
    public double EpsilonDecayFraction { get; init; } = 0.5;

    public double PriorityAlpha { get; init; } = 0.6;

    /// <summary>Importance-weight exponent at the start; anneals linearly to 1 at the run's planned end.</summary>
    public double PriorityBetaStart { get; init; } = 0.4;

    public double HuberDelta { get; init; } = 1.0;

    public double MaxGradNorm { get; init; } = 10.0;

    /// <summary>Temperature of the exported softmax over Q-values (DQN).</summary>
    public double Temperature { get; init; } = 1.0;

    // PPO
    public double GaeLambda { get; init; } = 0.95;

    public double ClipRange { get; init; } = 0.2;

    public int PpoEpochs { get; init; } = 4;

    public int MinibatchSize { get; init; } = 64;

    public double ValueCoefficient { get; init; } = 0.5;

    public double EntropyCoefficient { get; init; } = 0.01;

    public double PpoMaxGradNorm { get; init; } = 0.5;

    public double EffectiveLearningRate => LearningRate ?? (Algorithm == RlAlgorithm.Dqn ? 5e-4 : 3e-4);

    public string Kind => Algorithm == RlAlgorithm.Dqn ? PolicyKinds.Dqn : PolicyKinds.Ppo;

    public static RlAlgorithm ParseAlgorithm(string text) => text.ToLowerInvariant() switch
    {
        "dqn" => RlAlgorithm.Dqn,
        "ppo" => RlAlgorithm.Ppo,
        _ => throw new ArgumentException($"Unknown RL algorithm '{text}' (expected dqn or ppo)."),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Check(!string.IsNullOrWhiteSpace(ModelName) && ModelName.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, "The model name must be a plain file name.");
        Check(Episodes >= 1 && MaxSteps >= 1, "Episodes and MaxSteps must be at least 1.");
        Check(Hidden.Count >= 1 && Hidden.All(h => h is >= 1 and <= 4096), "Hidden layer widths must be 1..4096, at least one layer.");
        Check(EffectiveLearningRate is > 0 and < 1, "The learning rate must be in (0, 1).");
        Check(Gamma is > 0 and <= 1 && RewardScale > 0 && double.IsFinite(RewardScale), "Gamma must be in (0, 1], the reward scale positive.");
        Check(Threads >= 1 && CheckpointEvery >= 0 && NormalizationSteps >= 1, "Threads and normalization steps must be positive, checkpoint interval not negative.");
        Check(BatchSize >= 1 && ReplayCapacity >= BatchSize && LearningStarts >= BatchSize && TrainEvery >= 1 && TargetSync >= 1, "DQN: batch >= 1, replay capacity and learning starts >= batch, train-every and target-sync >= 1.");
        Check(EpsilonStart is >= 0 and <= 1 && EpsilonEnd is >= 0 and <= 1 && EpsilonDecayFraction is > 0 and <= 1, "Epsilon start and end must be in [0, 1], the decay fraction in (0, 1].");
        Check(PriorityAlpha is >= 0 and <= 1 && PriorityBetaStart is >= 0 and <= 1, "PER alpha and beta must be in [0, 1].");
        Check(HuberDelta > 0 && MaxGradNorm > 0 && Temperature > 0 && PpoMaxGradNorm > 0, "Huber delta, gradient clips and temperature must be positive.");
        Check(GaeLambda is >= 0 and <= 1 && ClipRange is > 0 and < 1 && PpoEpochs >= 1 && MinibatchSize >= 1, "PPO: lambda in [0, 1], clip in (0, 1), epochs and minibatch >= 1.");
        Check(ValueCoefficient >= 0 && EntropyCoefficient >= 0, "PPO: value and entropy coefficients must not be negative.");
    }

    /// <summary>The settings that shape the run, for the card's notes.</summary>
    public string Describe() => Algorithm == RlAlgorithm.Dqn
        ? string.Create(CultureInfo.InvariantCulture,
            $"DQN (double, dueling, PER alpha {PriorityAlpha}, beta {PriorityBetaStart}->1): hidden [{string.Join(",", Hidden)}], lr {EffectiveLearningRate}, gamma {Gamma}, batch {BatchSize}, replay {ReplayCapacity}, learning starts {LearningStarts}, train every {TrainEvery}, target sync {TargetSync}, epsilon {EpsilonStart}->{EpsilonEnd} over {EpsilonDecayFraction:P0} of steps, Huber {HuberDelta}, grad clip {MaxGradNorm}, reward x{RewardScale}")
        : string.Create(CultureInfo.InvariantCulture,
            $"PPO (clip {ClipRange}, GAE lambda {GaeLambda}): hidden [{string.Join(",", Hidden)}], lr {EffectiveLearningRate}, gamma {Gamma}, epochs {PpoEpochs}, minibatch {MinibatchSize}, value coef {ValueCoefficient}, entropy coef {EntropyCoefficient}, grad clip {PpoMaxGradNorm}, reward x{RewardScale}");
}

/// <summary>
/// The trading environment the agent learns and is evaluated in: the backtester's defaults (BacktestVerb: paper venue,
/// risk manager sized to the cash, symbol rules of the host) with a fixed 2 % trailing stop, spot long/flat.
/// </summary>
public sealed record RlEnvironmentSettings
{
    public required IReadOnlyList<string> Symbols { get; init; }

    public decimal Cash { get; init; } = 10_000m;

    public Timeframe StepTimeframe { get; init; } = Timeframe.OneMinute;

    public int WarmupBars { get; init; } = 64;

    public double DrawdownPenalty { get; init; } = 0.5;

    public double VolatilityPenalty { get; init; }

    public double TradePenalty { get; init; }

    public StopLossMode StopMode { get; init; } = StopLossMode.Fixed;

    /// <summary>Fresh environment options for one primary symbol: decisions from <paramref name="tradingStart"/>, bars before <paramref name="end"/>.</summary>
    public TradingEnvironmentOptions Build(string primarySymbol, DateTimeOffset? tradingStart, DateTimeOffset? end, int? maxSteps)
    {
        var backtest = BacktestVerb.Options(Symbols, Cash, StopMode, tradingStart ?? DateTimeOffset.UnixEpoch, end ?? DateTimeOffset.MaxValue);
        backtest.TradingStart = tradingStart;
        backtest.End = end;
        return new TradingEnvironmentOptions
        {
            Backtest = backtest,
            PrimarySymbol = primarySymbol,
            StepTimeframe = StepTimeframe,
            WarmupBars = WarmupBars,
            MaxSteps = maxSteps,
            Reward = new RewardOptions { DrawdownPenalty = DrawdownPenalty, VolatilityPenalty = VolatilityPenalty, TradePenalty = TradePenalty },
        };
    }
}
