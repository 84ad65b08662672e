using Microsoft.Extensions.Options;

namespace TradingDashboard.Core.Orchestration;

/// <summary>The "Trading:Orchestrator:Learning" section: when the gate and the RL agent are retrained from outcomes (docs/orchestrator.md).</summary>
public sealed class OrchestratorLearningOptions
{
    public const string SectionName = "Trading:Orchestrator:Learning";

    /// <summary>Whether the "orchestrator-learning" process starts with the host (it answers admin requests only while running).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Record every live decision with its realized forward return (table orchestrator_decisions).</summary>
    public bool RecordDecisions { get; set; } = true;

    /// <summary>Newly resolved decisions that trigger a gate retraining; 0: only on an admin's request.</summary>
    public int RetrainGateAfterDecisions { get; set; } = 500;

    /// <summary>The newest resolved decisions given to the gate trainer.</summary>
    public int GateTrainingDecisions { get; set; } = 5000;

    /// <summary>Fewer resolved decisions than this: no gate retraining (too little to train and validate on).</summary>
    public int MinimumGateDecisions { get; set; } = 200;

    /// <summary>Hours between automatic RL retrainings; 0: only on an admin's request.</summary>
    public double RetrainRlEveryHours { get; set; } = 24;

    /// <summary>"dqn" or "ppo".</summary>
    public string RlAlgorithm { get; set; } = "dqn";

    public int RlEpisodes { get; set; } = 50;

    /// <summary>Days of closed candles (the orchestrator's timeframe, every symbol of the feature schema) the RL agent is retrained on.</summary>
    public double RlLookbackDays { get; set; } = 14;

    public int Seed { get; set; } = 42;

    /// <summary>The newest share of the data kept out of training for the walk-forward comparison with the incumbent.</summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>How often the process checks whether a retraining is due.</summary>
    public int CheckIntervalSeconds { get; set; } = 60;

    /// <summary>Where candidates are written before promotion (a promoted one is copied into MODELS/gate or MODELS/rl); empty: MODELS/candidates.</summary>
    public string CandidateDirectory { get; set; } = string.Empty;
}

/// <summary>Rejects a bad "Trading:Orchestrator:Learning" section at start, naming the setting.</summary>
public sealed class OrchestratorLearningOptionsValidator : IValidateOptions<OrchestratorLearningOptions>
{
    public ValidateOptionsResult Validate(string? name, OrchestratorLearningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = OrchestratorLearningOptions.SectionName;
        var errors = new List<string>();
        if (options.RetrainGateAfterDecisions is < 0 or > 10_000_000)
        {
            errors.Add($"{S}:RetrainGateAfterDecisions must be from 0 (only on request) to 10000000.");
        }

        if (options.GateTrainingDecisions is < 10 or > 10_000_000)
        {
            errors.Add($"{S}:GateTrainingDecisions must be from 10 to 10000000.");
        }

        if (options.MinimumGateDecisions < 2 || options.MinimumGateDecisions > options.GateTrainingDecisions)
        {
            errors.Add($"{S}:MinimumGateDecisions must be at least 2 and at most GateTrainingDecisions ({options.GateTrainingDecisions}).");
        }

        if (!double.IsFinite(options.RetrainRlEveryHours) || options.RetrainRlEveryHours < 0 || options.RetrainRlEveryHours > 24 * 365)
        {
            errors.Add($"{S}:RetrainRlEveryHours must be from 0 (only on request) to 8760.");
        }

        if (options.RlAlgorithm is not ("dqn" or "ppo"))
        {
            errors.Add($"{S}:RlAlgorithm must be dqn or ppo (got '{options.RlAlgorithm}').");
        }

        if (options.RlEpisodes is < 1 or > 100_000)
        {
            errors.Add($"{S}:RlEpisodes must be from 1 to 100000.");
        }

        if (!double.IsFinite(options.RlLookbackDays) || options.RlLookbackDays <= 0 || options.RlLookbackDays > 3650)
        {
            errors.Add($"{S}:RlLookbackDays must be above 0 and at most 3650.");
        }

        if (!double.IsFinite(options.ValidationFraction) || options.ValidationFraction <= 0 || options.ValidationFraction >= 1)
        {
            errors.Add($"{S}:ValidationFraction must be between 0 and 1 (exclusive).");
        }

        if (options.CheckIntervalSeconds is < 1 or > 86_400)
        {
            errors.Add($"{S}:CheckIntervalSeconds must be from 1 to 86400.");
        }

        if (options.CandidateDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{S}:CandidateDirectory is not a valid path.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
