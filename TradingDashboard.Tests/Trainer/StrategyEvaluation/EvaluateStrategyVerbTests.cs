using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Spectre.Console;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Orchestration;
using TradingDashboard.Trainer.StrategyEvaluation;

namespace TradingDashboard.Tests.Trainer.StrategyEvaluation;

/// <summary>The <c>evaluate-strategy</c> verb end to end on a generated kline folder with the shipped models, and its JSON rows.</summary>
public sealed class EvaluateStrategyVerbTests : IDisposable
{
    private const long M = 60_000;
    private const long H = 3_600_000;
    private const long D = 86_400_000;
    private static readonly string[] RowKeys = ["policy", "status", "totalReturn", "sharpe", "sortino", "maxDrawdown", "trades", "feesPaid"];
    private static readonly string[] Policies = ["orchestrator", "rl", "cnn", "fasttree", "rule", "buy-and-hold", "random"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-evalstrat-" + Guid.NewGuid().ToString("N"));

    public EvaluateStrategyVerbTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Temp(string name) => Path.Combine(_directory, name);

    private static string ShippedModels =>
        Path.Combine(RepositoryRoot.Find(AppContext.BaseDirectory, Directory.GetCurrentDirectory()) ?? throw new InvalidOperationException("repository root not found"), "onnx");

    /// <summary>The shipped pivot models only (no rl/ or gate/ folder): a models folder without an RL policy or a trained gate.</summary>
    private string ModelsDirectory
    {
        get
        {
            var folder = Temp("pivot-models");
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                foreach (var file in Directory.EnumerateFiles(ShippedModels).Where(f => f.EndsWith(".onnx", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
                {
                    File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
                }
            }

            return folder;
        }
    }

    /// <summary>
    /// Seeded random walks per symbol: 1d and 1h bars from 2023-10-01 (enough history for the 1h and 1d blocks of the
    /// feature frames) and 1m bars for 2024-01-01..03; returns the 1m closes by open time.
    /// </summary>
    private static Dictionary<string, Dictionary<long, double>> WriteFixture(string folder)
    {
        var closes = new Dictionary<string, Dictionary<long, double>>();
        var random = new Random(11);
        var start1m = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var startLong = new DateTimeOffset(2023, 10, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var end = new DateTimeOffset(2024, 1, 4, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Directory.CreateDirectory(folder);
        foreach (var (symbol, first) in new[] { ("ETHUSDT", 2300.0), ("BTCUSDT", 42000.0) })
        {
            foreach (var (code, step, from, volatility) in new[] { ("1d", D, startLong, 0.03), ("1h", H, startLong, 0.008), ("1m", M, start1m, 0.0015) })
            {
                var written = new Dictionary<long, double>();
                using var file = File.Create(Path.Combine(folder, $"{symbol}-{code}-fixture.csv.gz"));
                using var gzip = new GZipStream(file, CompressionLevel.Fastest);
                using var text = new StreamWriter(gzip) { NewLine = "\n" };
                var price = first;
                for (var t = from; t < end; t += step)
                {
                    var open = price;
                    var close = Math.Round(open * (1 + ((random.NextDouble() - 0.5) * 2 * volatility)), 2);
                    var high = Math.Round(Math.Max(open, close) * (1 + (random.NextDouble() * volatility / 3)), 2);
                    var low = Math.Round(Math.Min(open, close) * (1 - (random.NextDouble() * volatility / 3)), 2);
                    price = close;
                    text.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t},{open},{high},{low},{close},{100 + random.Next(500)},{t + step - 1},0,10,0,0,0"));
                    written[t] = close;
                }

                if (code == "1m")
                {
                    closes[symbol] = written;
                }
            }
        }

        return closes;
    }

    private static (int Code, string Output) RunVerb(EvaluateStrategyVerb verb, params string[] args)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400;
        try
        {
            return (verb.Run(args, console), writer.ToString());
        }
        catch (TradingDashboard.Trainer.UsageException ex)
        {
            return (2, writer + ex.Message);
        }
    }

    /// <summary>A seam with an "rl" expert that always votes Buy with full confidence.</summary>
    private sealed class AlwaysBuyRlSeams : EvaluationSeams
    {
        public int Created { get; private set; }

        public override IExpert? CreateRlExpert(EvaluationInputs inputs)
        {
            Created++;
            Assert.NotNull(inputs.Schema);
            Assert.True(inputs.Frames.Count > 0, "the RL expert's frames are provided");
            Assert.True(inputs.CnnPredictions.Count > 0, "the RL expert's CNN predictions are provided");
            return new ScriptedExpert("rl") { Next = ExpertVote.Create(AgentAction.Buy, 1.0, "always buy") };
        }
    }

    [Fact]
    public void Verb_evaluates_every_policy_writes_the_json_rows_and_the_resolved_decisions()
    {
        var data = Temp("klines");
        var closes = WriteFixture(data);
        var json = Temp("out/eval.json");
        var decisions = Temp("out/decisions.jsonl");
        var (code, output) = TradingDashboard.Tests.Trainer.TrainerRunner.Run(
            "evaluate-strategy", "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-02", "--to", "2024-01-03",
            "--warmup-days", "0", "--seeds", "3", "--models", ModelsDirectory, "--json", json, "--decisions-out", decisions);
        Assert.True(code == 0, output);
        Assert.Contains("no RL model", output, StringComparison.Ordinal);
        Assert.Contains("cnn-pivot on", output, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(Policies, rows.Select(r => r.GetProperty("policy").GetString()));
        foreach (var row in rows)
        {
            var policy = row.GetProperty("policy").GetString();
            var keys = row.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(policy == "random" ? [.. RowKeys, "sharpeStdev", "seeds"] : RowKeys, keys);
            if (policy == "rl")
            {
                Assert.Equal("no RL model", row.GetProperty("status").GetString());
                Assert.All(RowKeys.Skip(2), k => Assert.Equal(JsonValueKind.Null, row.GetProperty(k).ValueKind));
                continue;
            }

            Assert.Equal("ok", row.GetProperty("status").GetString());
            Assert.InRange(row.GetProperty("maxDrawdown").GetDouble(), 0, 1);
            Assert.True(row.GetProperty("feesPaid").GetDouble() >= 0);
        }

        Assert.Equal(3, rows[^1].GetProperty("seeds").GetInt32());
        Assert.True(rows[^1].GetProperty("trades").GetDouble() > 0, "a random policy trades");
        Assert.True(rows[5].GetProperty("feesPaid").GetDouble() > 0, "buy-and-hold pays the entry fees");

        // Decisions: one per symbol and trading minute of 2024-01-02..03, less the last 5 of each symbol (no forward return yet).
        var outcomes = DecisionOutcomeFile.Read(decisions);
        Assert.Equal((2 * 2 * 1440) - (2 * 5), outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal("backtest", o.Mode));
        Assert.All(outcomes, o => Assert.Equal(["rule", "cnn", "fasttree"], o.Context.Experts.Select(e => e.Expert)));
        foreach (var outcome in outcomes.Where((_, i) => i % 97 == 0))
        {
            // By hand from the fixture: the decision at the close of minute t is scored at the close of minute t + 5.
            var open = outcome.Context.Time.ToUnixTimeMilliseconds() - M;
            var series = closes[outcome.Context.Symbol];
            Assert.Equal(series[open], outcome.Close);
            Assert.Equal((series[open + (5 * M)] / series[open]) - 1, outcome.ForwardReturn!.Value, 12);
            Assert.Equal(1.0, outcome.Weights.Sum(), 9);
        }

        // The CNN and FastTree experts only have predictions for the primary symbol (as live): on BTC they abstain.
        Assert.All(outcomes.Where(o => o.Context.Symbol == "BTCUSDT"), o => Assert.True(o.Context.Experts[1].Vote.Abstained && o.Context.Experts[2].Vote.Abstained));
        Assert.Contains(outcomes, o => o.Context.Symbol == "ETHUSDT" && !o.Context.Experts[1].Vote.Abstained);
    }

    [Fact]
    public void The_seam_plugs_an_rl_expert_into_the_orchestrator_and_its_own_row_and_a_missing_trained_gate_is_a_usage_error()
    {
        var data = Temp("klines");
        WriteFixture(data);
        var seams = new AlwaysBuyRlSeams();
        var verb = new EvaluateStrategyVerb(seams);
        var json = Temp("rl.json");
        var (code, output) = RunVerb(verb, "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-03", "--to", "2024-01-03T06:00",
            "--warmup-days", "1", "--seeds", "2", "--models", ModelsDirectory, "--json", json);
        Assert.True(code == 0, output);
        Assert.Equal(2, seams.Created); // a new expert for the orchestrator and for the rl row
        Assert.Contains("orchestrator: rule, cnn, fasttree, rl", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rl = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("policy").GetString() == "rl");
        Assert.Equal("ok", rl.GetProperty("status").GetString());
        Assert.True(rl.GetProperty("feesPaid").GetDouble() > 0, "an always-buy expert enters");

        var (trainedCode, trainedOutput) = RunVerb(new EvaluateStrategyVerb(), "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-03", "--to", "2024-01-03T01:00",
            "--warmup-days", "0", "--models", ModelsDirectory, "--gate", "trained");
        Assert.Equal(2, trainedCode);
        Assert.Contains("No 'trained' gate", trainedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_seam_runs_the_shipped_rl_policy_as_the_rl_expert()
    {
        var data = Temp("klines");
        WriteFixture(data);
        var json = Temp("shipped-rl.json");
        var (code, output) = RunVerb(new EvaluateStrategyVerb(), "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-02", "--to", "2024-01-03",
            "--warmup-days", "1", "--seeds", "2", "--models", ShippedModels, "--json", json);
        Assert.True(code == 0, output);
        Assert.Contains("orchestrator: rule, cnn, fasttree, rl", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rl = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("policy").GetString() == "rl");
        Assert.Equal("ok", rl.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, rl.GetProperty("totalReturn").ValueKind);
        Assert.Equal(JsonValueKind.Number, rl.GetProperty("maxDrawdown").ValueKind);
    }

    [Fact]
    public void Random_row_is_the_mean_over_seeds_with_the_sample_stdev_of_sharpe()
    {
        static PerformanceSummary Run(double totalReturn, double? sharpe, double drawdown, int trades, double fees) =>
            new(totalReturn, null, sharpe, sharpe * 2, drawdown, 0, null, null, null, trades, null, 0, 0, fees, 1);

        var row = StrategyEvaluator.RandomRow([Run(-0.1, 1, 0.2, 10, 5), Run(0.2, 2, 0.1, 20, 7), Run(0.5, 4, 0.3, 31, 9)]);
        Assert.Equal("random", row.Policy);
        Assert.Equal(0.2, row.TotalReturn!.Value, 12);
        Assert.Equal(7.0 / 3, row.Sharpe!.Value, 12);
        Assert.Equal(14.0 / 3, row.Sortino!.Value, 12);
        Assert.Equal(0.2, row.MaxDrawdown!.Value, 12);
        Assert.Equal(61.0 / 3, row.Trades!.Value, 12);
        Assert.Equal(7, row.FeesPaid!.Value, 12);
        Assert.Equal(Math.Sqrt(((16.0 / 9) + (1.0 / 9) + (25.0 / 9)) / 2), row.SharpeStdev!.Value, 12); // sample stdev of 1, 2, 4
        Assert.Equal(3, row.Seeds);

        // A seed without a Sharpe (no daily return) is left out of the Sharpe mean and stdev, not counted as 0.
        var partial = StrategyEvaluator.RandomRow([Run(0, null, 0, 0, 0), Run(0, 1, 0, 0, 0), Run(0, 3, 0, 0, 0)]);
        Assert.Equal(2, partial.Sharpe!.Value, 12);
        Assert.Equal(Math.Sqrt(2), partial.SharpeStdev!.Value, 12);
    }

    [Fact]
    public void Json_rows_use_the_documented_names_and_null_metrics_for_a_missing_policy()
    {
        var text = StrategyEvaluator.ToJson(
        [
            new StrategyEvaluationRow("orchestrator", "ok", 0.01, 1.5, 2.0, 0.05, 3, 12.5),
            StrategyEvaluationRow.Missing("rl", StrategyEvaluationRow.NoRlModel),
            new StrategyEvaluationRow("random", "ok", -0.1, -1, -1, 0.2, 100.5, 50, 0.3, 20),
        ]);
        using var doc = JsonDocument.Parse(text);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(RowKeys, rows[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.5, rows[0].GetProperty("sharpe").GetDouble());
        Assert.Equal(3, rows[0].GetProperty("trades").GetInt32());
        Assert.Equal("no RL model", rows[1].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("totalReturn").ValueKind);
        Assert.Equal([.. RowKeys, "sharpeStdev", "seeds"], rows[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.3, rows[2].GetProperty("sharpeStdev").GetDouble());
    }
}
