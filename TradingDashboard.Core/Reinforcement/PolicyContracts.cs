using System.Text.Json;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>Model kinds of the RL policies (the card's <see cref="PolicyModelCard.Kind"/>).</summary>
public static class PolicyKinds
{
    /// <summary>Double dueling DQN with prioritized replay: scores are Q-values.</summary>
    public const string Dqn = "rl-dqn";

    /// <summary>PPO actor-critic: scores are the policy's logits.</summary>
    public const string Ppo = "rl-ppo";

    public static bool IsKnown(string kind) => kind is Dqn or Ppo;
}

/// <summary>
/// The ONNX interface every RL policy exports (both algorithms, docs/rl.md): input <see cref="Observation"/> float32
/// [N, observation length]; outputs <see cref="ActionScores"/> [N, 3] (Q-values for DQN, logits for PPO, in
/// <see cref="AgentAction"/> order), <see cref="Probabilities"/> [N, 3] (PPO: the policy; DQN: softmax of the Q-values
/// over the card's temperature), <see cref="Confidence"/> [N] (the largest probability) and <see cref="Value"/> [N] (the
/// expected discounted reward: PPO's critic, DQN's max over actions of Q).
/// </summary>
public static class PolicyOnnxNames
{
    public const string Observation = "observation";
    public const string ActionScores = "action_scores";
    public const string Probabilities = "probabilities";
    public const string Confidence = "confidence";
    public const string Value = "value";
}

/// <summary>
/// How an RL observation is built, so the host rebuilds exactly what the agent was trained on. The parts, in order:
/// bar returns (<see cref="BarReturnsObservationSource"/>, when <see cref="BarReturns"/> &gt; 0), the feature frame
/// (<see cref="FeatureFrameObservationSource"/>, when <see cref="FeatureSchemaHash"/> is set), the CNN's predictions and
/// hidden state (<see cref="CnnPredictionObservationSource"/>, when <see cref="CnnTimeframes"/> is not empty), then the
/// environment's position state (<see cref="TradingEnvironment.PositionStateNames"/>).
/// </summary>
public sealed record RlObservationSpec(
    int BarReturns,
    int VolatilityWindow,
    string? FeatureSchemaHash,
    bool FrameMask,
    IReadOnlyList<string> CnnTimeframes,
    int CnnHiddenSize)
{
    /// <summary>
    /// Builds the market and model part of the observation (the environment or the expert appends the position state).
    /// Throws <see cref="InvalidOperationException"/> when the spec needs frames or predictions that are not given, or a
    /// schema whose hash differs from the spec's.
    /// </summary>
    public IObservationSource BuildSource(IFeatureFrameSource? frames, FeatureSchema? schema, ICnnPredictionSource? predictions)
    {
        var parts = new List<IObservationSource>(3);
        if (BarReturns > 0)
        {
            parts.Add(new BarReturnsObservationSource(BarReturns, VolatilityWindow));
        }

        if (FeatureSchemaHash is not null)
        {
            if (frames is null || schema is null)
            {
                throw new InvalidOperationException("The policy's observation needs feature frames; none are available.");
            }

            if (!string.Equals(schema.Hash, FeatureSchemaHash, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The policy was trained on feature schema {FeatureSchemaHash}; the running schema is {schema.Hash}.");
            }

            parts.Add(new FeatureFrameObservationSource(frames, schema, FrameMask));
        }

        if (CnnTimeframes.Count > 0)
        {
            if (predictions is null)
            {
                throw new InvalidOperationException("The policy's observation needs CNN predictions; none are available.");
            }

            parts.Add(new CnnPredictionObservationSource(predictions, CnnTimeframes.Select(TimeframeExtensions.Parse).ToArray(), CnnHiddenSize));
        }

        if (parts.Count == 0)
        {
            throw new InvalidOperationException("An observation spec must name at least one source.");
        }

        return parts.Count == 1 ? parts[0] : new CompositeObservationSource([.. parts]);
    }
}

/// <summary>Result of running a policy over a held-out period through the environment (fractions, not percent).</summary>
public sealed record RlEvaluation(
    DateTimeOffset FromUtc,
    DateTimeOffset ToUtc,
    string Symbol,
    double TotalReturn,
    double Sharpe,
    double Sortino,
    double MaxDrawdown,
    int Trades,
    double FeesPaid,
    long Steps);

/// <summary>
/// The card of an RL policy, beside the ONNX file (<c>NAME.json</c>) and in its metadata under <see cref="MetadataKey"/>.
/// <see cref="ObservationNames"/> is the exact input layout (source names, then the position state); a host whose
/// rebuilt observation has other names refuses the model.
/// </summary>
public sealed record PolicyModelCard
{
    public const string MetadataKey = "trading_dashboard_policy_card";

    public required string Name { get; init; }

    /// <summary><see cref="PolicyKinds.Dqn"/> or <see cref="PolicyKinds.Ppo"/>.</summary>
    public required string Kind { get; init; }

    public required string Version { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    public required string TrainerVersion { get; init; }

    public required int Opset { get; init; }

    public required RlObservationSpec Observation { get; init; }

    public required IReadOnlyList<string> ObservationNames { get; init; }

    /// <summary>Action names in output order: hold, buy, sell.</summary>
    public IReadOnlyList<string> Actions { get; init; } = ["hold", "buy", "sell"];

    /// <summary>The decision timeframe the agent was trained to act on ("1m", "1h").</summary>
    public required string StepTimeframe { get; init; }

    /// <summary>Temperature of the DQN's softmax over Q-values (1 for PPO).</summary>
    public double Temperature { get; init; } = 1;

    public required bool ShortEnabled { get; init; }

    public required TrainingDataInfo Data { get; init; }

    public required int Seed { get; init; }

    public required int Episodes { get; init; }

    /// <summary>Walk-forward result on the validation period (what promotion compares).</summary>
    public RlEvaluation? Validation { get; init; }

    public RlEvaluation? Test { get; init; }

    public string? OnnxSha256 { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, ModelCard.JsonOptions);

    /// <summary>Parses a card; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static PolicyModelCard FromJson(string json, string source = "policy card")
    {
        PolicyModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize<PolicyModelCard>(json, ModelCard.JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source} is not a valid policy card: {ex.Message}", ex);
        }

        if (card is null)
        {
            throw new InvalidDataException($"{source} is empty.");
        }

        if (!PolicyKinds.IsKnown(card.Kind))
        {
            throw new InvalidDataException($"{source}: unknown policy kind '{card.Kind}' (expected {PolicyKinds.Dqn} or {PolicyKinds.Ppo}).");
        }

        if (card.ObservationNames.Count == 0)
        {
            throw new InvalidDataException($"{source}: observationNames is empty.");
        }

        if (card.Actions.Count != TradingEnvironment.ActionCount)
        {
            throw new InvalidDataException($"{source}: expected {TradingEnvironment.ActionCount} actions, found {card.Actions.Count}.");
        }

        return card;
    }

    public static PolicyModelCard Read(string path) => FromJson(File.ReadAllText(path), path);

    public void Write(string path) => File.WriteAllText(path, ToJson());
}

/// <summary>One decision of a policy on one observation.</summary>
/// <param name="Scores">The network's action scores (Q-values or logits), in <see cref="AgentAction"/> order.</param>
/// <param name="Probabilities">Action probabilities, in <see cref="AgentAction"/> order.</param>
/// <param name="Confidence">The probability of the chosen action.</param>
/// <param name="ExpectedReward">The value estimate.</param>
public sealed record PolicyDecision(AgentAction Action, IReadOnlyList<float> Scores, IReadOnlyList<float> Probabilities, double Confidence, double ExpectedReward);

/// <summary>A loaded RL policy (ONNX). Thread-safe for one caller at a time.</summary>
public interface IRlPolicy : IDisposable
{
    PolicyModelCard Card { get; }

    /// <summary>"CUDA" or "CPU".</summary>
    string ExecutionProvider { get; }

    /// <summary>The greedy action on one observation of <c>Card.ObservationNames.Count</c> finite values.</summary>
    PolicyDecision Decide(ReadOnlySpan<float> observation);
}

/// <summary>Metrics of one training episode, persisted for the Training page (fractions, not percent).</summary>
/// <param name="Reward">Sum of the rewards; equals Pnl - DrawdownPenalty - VolatilityPenalty - TradePenalty.</param>
/// <param name="Loss">Mean training loss over the episode's updates (null before the first update).</param>
/// <param name="Exploration">DQN: epsilon at the episode's end; PPO: the policy's mean entropy.</param>
public sealed record RlEpisodeRecord(
    int Episode,
    string Symbol,
    DateTimeOffset StartUtc,
    int Steps,
    long TotalSteps,
    double TotalReturn,
    double Sharpe,
    double MaxDrawdown,
    double Reward,
    double Pnl,
    double DrawdownPenalty,
    double VolatilityPenalty,
    double TradePenalty,
    double? Loss,
    double? Exploration,
    int Trades,
    double FeesPaid);

/// <summary>
/// One RL training run, persisted as <c>MODELS/runs/rl/RUNID.json</c> and rewritten as episodes finish (statuses
/// "running", "succeeded", "failed", "canceled").
/// </summary>
public sealed record RlTrainingRunRecord(
    string RunId,
    string ModelName,
    string Algorithm,
    DateTimeOffset StartedUtc,
    DateTimeOffset? FinishedUtc,
    string Status,
    string? Message,
    string Trigger,
    int Seed,
    IReadOnlyList<RlEpisodeRecord> Episodes,
    RlEvaluation? Validation,
    string? OnnxPath);

/// <summary>The RL training runs for the dashboard.</summary>
public interface IRlTrainingRuns
{
    /// <summary>Newest first.</summary>
    IReadOnlyList<RlTrainingRunRecord> List();

    RlTrainingRunRecord? Get(string runId);
}

/// <summary>What the background retraining asks of the trainer for the RL agent.</summary>
/// <param name="Bars">Closed bars (all symbols, the feed timeframe) of the recent history, in time order.</param>
/// <param name="IncumbentOnnxPath">The policy in use (null: none), evaluated on the same validation tail.</param>
/// <param name="ValidationFraction">The newest share of the decisions kept out of training for the walk-forward comparison.</param>
public sealed record PolicyRetrainRequest(
    IReadOnlyList<OHLCVBar> Bars,
    string PrimarySymbol,
    string Algorithm,
    FeatureSettings Features,
    string? CnnOnnxPath,
    string? IncumbentOnnxPath,
    string OutputDirectory,
    string ModelName,
    int Episodes,
    int Seed,
    double ValidationFraction,
    string Trigger);

/// <summary>Outcome of a background RL retraining: the candidate's and the incumbent's walk-forward results on the same tail.</summary>
public sealed record PolicyRetrainResult(bool Succeeded, string? OnnxPath, string? RunId, RlEvaluation? Candidate, RlEvaluation? Incumbent, string Message);

/// <summary>Trains an RL policy in the background (implemented by the trainer project).</summary>
public interface IPolicyTrainer
{
    Task<PolicyRetrainResult> RetrainAsync(PolicyRetrainRequest request, CancellationToken cancellationToken);
}

/// <summary>The RL policy an expert uses now (null: none loaded). The host's registry swaps it on promotion.</summary>
public interface IRlPolicySource
{
    IRlPolicy? Current { get; }
}

/// <summary>A policy source that always gives the same policy (evaluation, tests).</summary>
public sealed class FixedRlPolicySource(IRlPolicy? policy) : IRlPolicySource
{
    public IRlPolicy? Current => policy;
}
