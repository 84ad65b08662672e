using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The "Trading:Models:ContinualLearning" section: when the host retrains the CNN in the background and on what window.
/// </summary>
public sealed class ContinualLearningOptions
{
    public const string SectionName = "Trading:Models:ContinualLearning";

    /// <summary>Whether the "continual-learning" process runs (counts pivots, retrains, answers admin requests).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Newly confirmed pivots of the label level on the primary symbol (all timeframes) that trigger a retraining; 0: only on an admin's request.</summary>
    public int RetrainAfterPivots { get; set; } = 200;

    public int Epochs { get; set; } = 20;

    public int Seed { get; set; } = 42;

    /// <summary>Days of closed bars read from the candle store per timeframe code; a timeframe not listed uses <see cref="DefaultLookbackDays"/>.</summary>
    public Dictionary<string, double> LookbackDays { get; set; } = [];

    /// <summary>Where the new model goes; empty: Trading:Models:Directory (the models folder), else "onnx". Relative to the content root.</summary>
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>Name prefix of a retrained model; the file is NAME-yyyyMMddTHHmmssZ.onnx so it never overwrites the model it competes with.</summary>
    public string ModelName { get; set; } = "cnn-pivot";

    /// <summary>Defaults per timeframe: enough bars for the 32-bar window, indicator warm-up and pivot bounds, plus a training window.</summary>
    public static IReadOnlyDictionary<Timeframe, double> DefaultLookbackDays { get; } = new Dictionary<Timeframe, double>
    {
        [Timeframe.OneSecond] = 1,
        [Timeframe.OneMinute] = 7,
        [Timeframe.OneHour] = 180,
        [Timeframe.OneDay] = 800,
    };

    /// <summary>Fewest bars a lookback must span for any timeframe (window 32, indicator warm-up, pivot levels).</summary>
    public const int MinimumLookbackBars = 200;

    public TimeSpan LookbackFor(Timeframe timeframe)
    {
        foreach (var (code, days) in LookbackDays)
        {
            if (TimeframeExtensions.TryParse(code, out var tf) && tf == timeframe)
            {
                return TimeSpan.FromDays(days);
            }
        }

        return TimeSpan.FromDays(DefaultLookbackDays[timeframe]);
    }
}

/// <summary>The "Trading:Models:Outcomes" section: how live predictions are matched with confirmed pivots.</summary>
public sealed class PredictionOutcomeOptions
{
    public const string SectionName = "Trading:Models:Outcomes";

    /// <summary>Resolved outcomes per model and timeframe over which precision and recall are computed.</summary>
    public int RollingWindow { get; set; } = 500;

    /// <summary>Predictions waiting for their labels; beyond this the oldest is dropped and counted.</summary>
    public int MaxPending { get; set; } = 20_000;

    /// <summary>Bound of the queue of predictions, pivots and closed candles; an overflow is counted, never silent.</summary>
    public int ChannelCapacity { get; set; } = 100_000;

    /// <summary>Resolved outcomes older than this are deleted from SQLite.</summary>
    public int KeepResolvedDays { get; set; } = 90;
}

/// <summary>Rejects a bad "Trading:Models:ContinualLearning" section at start, naming the setting.</summary>
public sealed class ContinualLearningOptionsValidator : IValidateOptions<ContinualLearningOptions>
{
    public ValidateOptionsResult Validate(string? name, ContinualLearningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ContinualLearningOptions.SectionName;
        var errors = new List<string>();
        if (options.RetrainAfterPivots is < 0 or > 1_000_000)
        {
            errors.Add($"{S}:RetrainAfterPivots must be from 0 (only on request) to 1000000.");
        }

        if (options.Epochs is < 1 or > 1000)
        {
            errors.Add($"{S}:Epochs must be from 1 to 1000.");
        }

        foreach (var (code, days) in options.LookbackDays)
        {
            if (!TimeframeExtensions.TryParse(code, out var tf))
            {
                errors.Add($"{S}:LookbackDays has an unknown timeframe '{code}' (expected 1s, 1m, 1h or 1d).");
                continue;
            }

            if (!double.IsFinite(days) || days <= 0 || days > 3650)
            {
                errors.Add($"{S}:LookbackDays:{code} must be more than 0 and at most 3650 days.");
            }
            else if (days * 86_400_000d / tf.DurationMs() < ContinualLearningOptions.MinimumLookbackBars)
            {
                errors.Add($"{S}:LookbackDays:{code} = {days} spans fewer than {ContinualLearningOptions.MinimumLookbackBars} bars (the 32-bar window, indicator warm-up and pivot bounds need more).");
            }
        }

        if (string.IsNullOrWhiteSpace(options.ModelName) || options.ModelName.IndexOfAny([.. Path.GetInvalidFileNameChars(), ' ', '.']) >= 0)
        {
            errors.Add($"{S}:ModelName must be a non-empty file name without spaces, dots or path characters.");
        }

        if (options.OutputDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{S}:OutputDirectory is not a valid path.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Rejects a bad "Trading:Models:Outcomes" section at start, naming the setting.</summary>
public sealed class PredictionOutcomeOptionsValidator : IValidateOptions<PredictionOutcomeOptions>
{
    public ValidateOptionsResult Validate(string? name, PredictionOutcomeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = PredictionOutcomeOptions.SectionName;
        var errors = new List<string>();
        if (options.RollingWindow is < 1 or > 100_000)
        {
            errors.Add($"{S}:RollingWindow must be from 1 to 100000 outcomes.");
        }

        if (options.MaxPending is < 10 or > 1_000_000)
        {
            errors.Add($"{S}:MaxPending must be from 10 to 1000000.");
        }

        if (options.ChannelCapacity is < 100 or > 10_000_000)
        {
            errors.Add($"{S}:ChannelCapacity must be from 100 to 10000000.");
        }

        if (options.KeepResolvedDays is < 1 or > 36_500)
        {
            errors.Add($"{S}:KeepResolvedDays must be from 1 to 36500.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
