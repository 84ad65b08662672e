using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using TorchSharp;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.Cnn;

namespace TradingDashboard.Trainer.Rl;

/// <summary>What the agent observes, and the frames or predictions the spec needs (null for bar returns alone).</summary>
public sealed record RlObservationInputs(RlObservationSpec Spec, IFeatureFrameSource? Frames = null, FeatureSchema? Schema = null, ICnnPredictionSource? Predictions = null)
{
    /// <summary>The default observation: 16 step returns, their volatility over 32 steps, the history share.</summary>
    public static RlObservationInputs BarReturns(int returns = 16, int volatilityWindow = 32) =>
        new(new RlObservationSpec(returns, volatilityWindow, null, false, [], 0));

    /// <summary>Where the frames and predictions came from (the card's notes); null for bar returns alone.</summary>
    public string? Description { get; init; }

    /// <summary>A fresh source (sources keep per-episode state: one per environment).</summary>
    public IObservationSource Build() => Spec.BuildSource(Frames, Schema, Predictions);
}

/// <summary>
/// The bars and periods of a run. Training episodes start at or after <paramref name="TrainFrom"/> and use only bars
/// opening before <paramref name="ValidationFrom"/>; the greedy policy is then evaluated walk-forward from
/// <paramref name="ValidationFrom"/> to <paramref name="ValidationTo"/> (bars before it are only its warm-up).
/// </summary>
/// <param name="Symbols">Primary symbols the episodes alternate among; the first is the one the card's validation names.</param>
public sealed record RlTrainingData(IReadOnlyList<OHLCVBar> Bars, IReadOnlyList<string> Symbols, DateTimeOffset? TrainFrom, DateTimeOffset ValidationFrom, DateTimeOffset ValidationTo, string? Source = null);

/// <summary>Checkpoint sidecar (NAME.json beside the state dict NAME.bin): where to resume.</summary>
public sealed record RlCheckpointInfo(string RunId, string Kind, int Episode, long Steps, int Seed, IReadOnlyList<int> Hidden, IReadOnlyList<string> ObservationNames);

/// <summary>Outcome of <see cref="RlTrainer.Train"/>.</summary>
/// <param name="Validations">The greedy policy's walk-forward result per symbol (the first is the card's).</param>
/// <param name="BuyAndHold">The same validation periods with the action always Buy (enter once, hold): the baseline to read the policy against.</param>
public sealed record RlTrainingResult(string RunId, string OnnxPath, PolicyModelCard Card, RlTrainingRunRecord Run, IReadOnlyList<RlEvaluation> Validations, IReadOnlyList<RlEvaluation> BuyAndHold, TimeSpan Elapsed, string? CheckpointPath);

/// <summary>
/// Trains the RL agent (DQN or PPO, <see cref="RlTrainingOptions"/>) in the <see cref="TradingEnvironment"/>: fixes the
/// observation normalization on random-action episodes of the training period, runs the episodes (random starts, the
/// primary symbol alternating among <see cref="RlTrainingData.Symbols"/>), persists an <see cref="RlEpisodeRecord"/> per
/// episode through <see cref="FileRlTrainingRuns.Write"/>, checkpoints the state dict, exports ONNX + card and evaluates the
/// exported file greedily on the validation tail. Deterministic for a seed (one torch thread). Torch's global state (seed,
/// threads) is process-wide, so runs in one process take turns.
/// </summary>
public sealed class RlTrainer
{
    private static readonly Lock TorchGate = new();
    private readonly RlTrainingOptions _o;
    private readonly RlEnvironmentSettings _environment;
    private readonly TimeProvider _time;
    private readonly IAnsiConsole? _console;

    public RlTrainer(RlTrainingOptions options, RlEnvironmentSettings environment, TimeProvider time, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _o = options;
        _environment = environment;
        _time = time;
        _console = console;
    }

    /// <param name="onnxPath">Where the policy goes (its card beside it as NAME.json).</param>
    /// <param name="checkpointDirectory">State dicts (RUNID-epN.bin + .json); null: no checkpoints.</param>
    /// <param name="resumeFrom">A checkpoint .bin of an earlier run of the same settings: continue after its episode.</param>
    public RlTrainingResult Train(RlTrainingData data, RlObservationInputs observation, string onnxPath, FileRlTrainingRuns runs, string? checkpointDirectory = null, string? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentNullException.ThrowIfNull(runs);
        if (data.Symbols.Count == 0)
        {
            throw new ArgumentException("Name at least one primary symbol.", nameof(data));
        }

        if (data.ValidationTo <= data.ValidationFrom)
        {
            throw new ArgumentException("The validation period is empty.", nameof(data));
        }

        TorchNativeLoader.EnsureLoaded();
        lock (TorchGate)
        {
            return TrainLocked(data, observation, onnxPath, runs, checkpointDirectory, resumeFrom, cancellationToken);
        }
    }

    private RlTrainingResult TrainLocked(RlTrainingData data, RlObservationInputs observation, string onnxPath, FileRlTrainingRuns runs, string? checkpointDirectory, string? resumeFrom, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var o = _o;
        var started = _time.GetUtcNow();
        var resume = resumeFrom is null ? null : ReadCheckpointInfo(resumeFrom);
        if (resume is not null && resume.Kind != o.Kind)
        {
            throw new InvalidDataException($"Checkpoint {resumeFrom} is a {resume.Kind} run; this run trains {o.Kind}.");
        }

        var runId = resume?.RunId ?? $"{o.ModelName}-{started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-s{o.Seed}";
        var previous = resume is null ? null : runs.Get(runId);
        var episodes = previous?.Episodes.Where(e => e.Episode <= resume!.Episode).ToList() ?? [];
        var run = new RlTrainingRunRecord(runId, o.ModelName, o.Kind, previous?.StartedUtc ?? started, null, "running", resume is null ? null : $"resumed after episode {resume.Episode}", o.Trigger, o.Seed, episodes, null, null);
        runs.Write(run);

        var envs = new Dictionary<string, TradingEnvironment>(StringComparer.Ordinal);
        PolicyNetwork? network = null;
        IRlLearner? learner = null;
        try
        {
            foreach (var symbol in data.Symbols)
            {
                envs[symbol] = new TradingEnvironment(data.Bars, _environment.Build(symbol, data.TrainFrom, data.ValidationFrom, o.MaxSteps), observation.Build());
            }

            var names = envs[data.Symbols[0]].ObservationNames;
            if (resume is not null && !resume.ObservationNames.SequenceEqual(names, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"Checkpoint {resumeFrom} was trained on another observation layout.");
            }

            torch.set_num_threads(o.Threads);
            torch.random.manual_seed(o.Seed);
            var shape = new PolicyNetworkShape(names.Count, resume?.Hidden ?? o.Hidden, o.Algorithm == RlAlgorithm.Dqn);
            network = new PolicyNetwork(shape, resume is null ? ComputeNormalization(envs, data.Symbols) : ObservationNormalization.Identity(names.Count));
            if (resume is not null)
            {
                network.load(resumeFrom!);
            }

            var random = new Random(o.Seed);
            long plannedSteps = (long)o.Episodes * o.MaxSteps;
            learner = o.Algorithm == RlAlgorithm.Dqn ? new DqnLearner(network, o, plannedSteps, random) : new PpoLearner(network, o, random);
            learner.Steps = resume?.Steps ?? 0;

            var episodeSeeds = new Random(unchecked((o.Seed * 7919) + 17));
            var seeds = Enumerable.Range(0, o.Episodes).Select(_ => episodeSeeds.Next()).ToArray();
            string? lastCheckpoint = null;
            var firstEpisode = (resume?.Episode ?? 0) + 1;

            void RunEpisodes(Action<RlEpisodeRecord>? progress)
            {
                for (var e = firstEpisode; e <= o.Episodes; e++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var symbol = data.Symbols[(e - 1) % data.Symbols.Count];
                    var record = RunEpisode(envs[symbol], learner, e, symbol, seeds[e - 1]);
                    episodes.Add(record);
                    run = run with { Episodes = episodes.ToList() };
                    runs.Write(run);
                    if (checkpointDirectory is not null && ((o.CheckpointEvery > 0 && e % o.CheckpointEvery == 0) || e == o.Episodes))
                    {
                        lastCheckpoint = WriteCheckpoint(checkpointDirectory, runId, e, learner.Steps, network, names);
                    }

                    progress?.Invoke(record);
                }
            }

            if (_console is { } console)
            {
                console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"training {Markup.Escape(o.ModelName)} ({o.Kind})", maxValue: o.Episodes);
                        task.Value = firstEpisode - 1;
                        RunEpisodes(r =>
                        {
                            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                                $"episode {r.Episode}/{o.Episodes} {r.Symbol}: return {r.TotalReturn:P2}, reward {r.Reward:F4}, trades {r.Trades}, loss {r.Loss:F4}, {(o.Algorithm == RlAlgorithm.Dqn ? "epsilon" : "entropy")} {r.Exploration:F3}"));
                            task.Value = r.Episode;
                        });
                    });
            }
            else
            {
                RunEpisodes(null);
            }

            // Evaluate the exported graph itself, so the validation figures are those of the file the host loads.
            var data_ = DataInfo(data, learner.Steps);
            var card = new PolicyModelCard
            {
                Name = o.ModelName,
                Kind = o.Kind,
                Version = started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
                CreatedUtc = _time.GetUtcNow(),
                TrainerVersion = CnnOnnxExporter.TrainerVersion(),
                Opset = PolicyOnnxExporter.Opset,
                Observation = observation.Spec,
                ObservationNames = names.ToList(),
                StepTimeframe = _environment.StepTimeframe.ToCode(),
                Temperature = o.Algorithm == RlAlgorithm.Dqn ? o.Temperature : 1,
                ShortEnabled = false,
                Data = data_,
                Seed = o.Seed,
                Episodes = o.Episodes,
            };
            var validations = new List<RlEvaluation>();
            using (var runner = OnnxPolicyRunner.Load(PolicyOnnxExporter.ToBytes(network, card)))
            {
                foreach (var symbol in data.Symbols)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    validations.Add(RlEvaluator.Evaluate(data.Bars, _environment, symbol, data.ValidationFrom, data.ValidationTo, observation.Build(), runner.Decide));
                }
            }

            var buyAndHold = data.Symbols
                .Select(symbol => RlEvaluator.Evaluate(data.Bars, _environment, symbol, data.ValidationFrom, data.ValidationTo, observation.Build(), _ => AgentAction.Buy))
                .ToList();
            card = card with { Validation = validations[0], Notes = Notes(validations, buyAndHold, observation) };
            card = PolicyOnnxExporter.Export(network, card, onnxPath);
            run = run with { FinishedUtc = _time.GetUtcNow(), Status = "succeeded", Validation = validations[0], OnnxPath = Path.GetFullPath(onnxPath), Message = Summary(validations, watch.Elapsed) };
            runs.Write(run);
            return new RlTrainingResult(runId, onnxPath, card, run, validations, buyAndHold, watch.Elapsed, lastCheckpoint);
        }
        catch (OperationCanceledException)
        {
            runs.Write(run with { FinishedUtc = _time.GetUtcNow(), Status = "canceled", Message = "canceled" });
            throw;
        }
        catch (Exception ex)
        {
            runs.Write(run with { FinishedUtc = _time.GetUtcNow(), Status = "failed", Message = ex.Message });
            throw;
        }
        finally
        {
            learner?.Dispose();
            network?.Dispose();
            foreach (var env in envs.Values)
            {
                env.Dispose();
            }
        }
    }

    /// <summary>One training episode: act, step, learn until the environment ends it; its metrics as a record.</summary>
    internal static RlEpisodeRecord RunEpisode(TradingEnvironment env, IRlLearner learner, int episode, string symbol, int seed)
    {
        var observation = env.Reset(seed);
        while (true)
        {
            var action = learner.Act(observation);
            var step = env.Step((AgentAction)action);
            var terminal = step.Info.EndReason is EpisodeEndReason.Bankrupt or EpisodeEndReason.RiskHalted;
            learner.Observe(observation, action, step.Reward, step.Observation, terminal, truncated: step.Done && !terminal);
            observation = step.Observation;
            if (step.Done)
            {
                break;
            }
        }

        var stats = learner.EndEpisode();
        var m = env.Metrics() with { Exploration = stats.Exploration };
        return new RlEpisodeRecord(
            episode, symbol, DateTimeOffset.FromUnixTimeMilliseconds(m.StartTimeMs), m.Steps, learner.Steps, m.TotalReturn, m.Sharpe ?? 0, m.MaxDrawdown,
            m.RewardSum, m.PnlSum, m.DrawdownPenaltySum, m.VolatilityPenaltySum, m.TradePenaltySum, stats.Loss, m.Exploration, m.Trades, m.FeesPaid);
    }

    /// <summary>Mean and std per feature over random-action episodes of the training period (fixed before learning starts).</summary>
    private ObservationNormalization ComputeNormalization(Dictionary<string, TradingEnvironment> envs, IReadOnlyList<string> symbols)
    {
        var random = new Random(unchecked((_o.Seed * 31) + 5));
        var observations = new List<float[]>(_o.NormalizationSteps);
        var length = envs[symbols[0]].ObservationLength;
        for (var episode = 0; observations.Count < _o.NormalizationSteps; episode++)
        {
            var env = envs[symbols[episode % symbols.Count]];
            var observation = env.Reset(random.Next());
            observations.Add(observation);
            var action = AgentAction.Hold;
            while (observations.Count < _o.NormalizationSteps)
            {
                // Hold an action for a while (like a policy would), so position features see long and flat spells.
                if (random.NextDouble() < 0.1)
                {
                    action = (AgentAction)random.Next(3);
                }

                var step = env.Step(action);
                if (step.Done)
                {
                    break;
                }

                observations.Add(step.Observation);
            }
        }

        return ObservationNormalization.Compute(observations, length);
    }

    private static TrainingDataInfo DataInfo(RlTrainingData data, long trainSteps)
    {
        var validationStart = data.ValidationFrom.ToUnixTimeMilliseconds();
        var validationEnd = data.ValidationTo.ToUnixTimeMilliseconds();
        var validationBars = data.Bars.Count(b => b.Symbol == data.Symbols[0] && b.OpenTimeMs >= validationStart && b.OpenTimeMs < validationEnd);
        var first = data.TrainFrom ?? DateTimeOffset.FromUnixTimeMilliseconds(data.Bars.Count > 0 ? data.Bars[0].OpenTimeMs : 0);
        return new TrainingDataInfo(data.Symbols.ToList(), first, data.ValidationTo, BarsSha256(data.Bars), (int)Math.Min(int.MaxValue, trainSteps), validationBars, 0, data.Source);
    }

    /// <summary>SHA-256 over every bar's symbol, timeframe, open time and OHLCV (invariant text): names the data exactly.</summary>
    public static string BarsSha256(IEnumerable<OHLCVBar> bars)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var b in bars)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{b.Symbol},{b.Timeframe.ToCode()},{b.OpenTimeMs},{b.Open:R},{b.High:R},{b.Low:R},{b.Close:R},{b.Volume:R}\n");
            hash.AppendData(Encoding.UTF8.GetBytes(line));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private List<string> Notes(IReadOnlyList<RlEvaluation> validations, IReadOnlyList<RlEvaluation> buyAndHold, RlObservationInputs observation)
    {
        var notes = new List<string>
        {
            _o.Describe(),
            string.Create(CultureInfo.InvariantCulture, $"Rewards were scaled by {_o.RewardScale} for learning: action_scores and value are in those units (1 = {1 / _o.RewardScale:P2} of the initial equity)."),
            string.Create(CultureInfo.InvariantCulture, $"Environment: spot long/flat, {_environment.Cash} USDT, paper venue and risk defaults of the backtester, {_environment.StopMode} trailing stop, step {_environment.StepTimeframe.ToCode()}, reward penalties drawdown {_environment.DrawdownPenalty}, volatility {_environment.VolatilityPenalty}, trade {_environment.TradePenalty}."),
            "Observation normalization (mean/std per feature, from random-action episodes of the training period) is inside the graph: feed raw observations.",
        };
        if (observation.Spec.FeatureSchemaHash is null && observation.Spec.CnnTimeframes.Count == 0)
        {
            notes.Add("Observation: bar returns and position state only (no feature frames, no CNN).");
        }
        else
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Observation: bar returns{(observation.Spec.FeatureSchemaHash is null ? string.Empty : $", feature frame (schema {observation.Spec.FeatureSchemaHash})")}{(observation.Spec.CnnTimeframes.Count == 0 ? string.Empty : $", CNN heads {string.Join(",", observation.Spec.CnnTimeframes)} and {observation.Spec.CnnHiddenSize} hidden values")} and position state; episodes on the primary symbol only (frames exist for it alone)."));
            if (observation.Description is { } description)
            {
                notes.Add(description);
            }
        }

        foreach (var v in validations)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Validation {v.Symbol} {v.FromUtc:u}..{v.ToUtc:u}: return {v.TotalReturn:P2}, Sharpe {v.Sharpe:F2}, max drawdown {v.MaxDrawdown:P2}, {v.Trades} trades, fees {v.FeesPaid:F2}, {v.Steps} steps."));
        }

        foreach (var b in buyAndHold)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Baseline (always Buy: enter once and hold, same venue, stops and risk) {b.Symbol} over the same period: return {b.TotalReturn:P2}, Sharpe {b.Sharpe:F2}, max drawdown {b.MaxDrawdown:P2}, {b.Trades} trades."));
        }

        return notes;
    }

    private static string Summary(IReadOnlyList<RlEvaluation> validations, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"trained in {elapsed.TotalMinutes:F1} min; validation ") + string.Join("; ", validations.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Symbol} return {v.TotalReturn:P2}, Sharpe {v.Sharpe:F2}, {v.Trades} trades")));

    private string WriteCheckpoint(string directory, string runId, int episode, long steps, PolicyNetwork network, IReadOnlyList<string> names)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{runId}-ep{episode}.bin");
        network.save(path);
        var info = new RlCheckpointInfo(runId, _o.Kind, episode, steps, _o.Seed, network.Shape.Hidden.ToList(), names.ToList());
        File.WriteAllText(Path.ChangeExtension(path, ".json"), JsonSerializer.Serialize(info, ModelCard.JsonOptions));
        return path;
    }

    private static RlCheckpointInfo ReadCheckpointInfo(string binPath)
    {
        var infoPath = Path.ChangeExtension(binPath, ".json");
        if (!File.Exists(binPath) || !File.Exists(infoPath))
        {
            throw new FileNotFoundException($"Checkpoint {binPath} or its sidecar {infoPath} is missing.", binPath);
        }

        return JsonSerializer.Deserialize<RlCheckpointInfo>(File.ReadAllText(infoPath), ModelCard.JsonOptions)
            ?? throw new InvalidDataException($"{infoPath} is empty.");
    }
}
