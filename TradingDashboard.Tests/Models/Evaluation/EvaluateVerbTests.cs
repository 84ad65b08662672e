using System.Globalization;
using System.Text.Json;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Trainer;

namespace TradingDashboard.Tests.Models.Evaluation;

/// <summary>
/// <c>train fasttree</c> and <c>evaluate</c> end to end on a tiny generated kline folder (random walks for ETHUSDT and
/// BTCUSDT: 90 days of 1d, 10 days of 1h, two days of 1m). Frames use the host's default feature settings.
/// </summary>
public sealed class EvaluateVerbTests : IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2024, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-evaluate-" + Guid.NewGuid().ToString("N"));

    public EvaluateVerbTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Temp(string name) => Path.Combine(_directory, name);

    private static void WriteSeries(string folder, string symbol, string tf, long stepMs, DateTimeOffset start, int count, double price, int seed)
    {
        var random = new Random(seed);
        var t0 = start.ToUnixTimeMilliseconds();
        using var text = new StreamWriter(Path.Combine(folder, $"{symbol}-{tf}-{start:yyyy-MM-dd}.csv")) { NewLine = "\n" };
        for (var i = 0; i < count; i++)
        {
            var open = price;
            var close = Math.Round(open * (1 + ((random.NextDouble() - 0.5) * 0.01)), 2);
            var high = Math.Round(Math.Max(open, close) * (1 + (random.NextDouble() * 0.002)), 2);
            var low = Math.Round(Math.Min(open, close) * (1 - (random.NextDouble() * 0.002)), 2);
            price = close;
            var t = t0 + (i * stepMs);
            text.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t},{open},{high},{low},{close},{100 + random.Next(500)},{t + stepMs - 1},0,10,0,0,0"));
        }
    }

    private string WriteFixture()
    {
        var folder = Directory.CreateDirectory(Temp("klines")).FullName;
        foreach (var (symbol, price, seed) in new[] { ("ETHUSDT", 2500.0, 1), ("BTCUSDT", 60000.0, 2) })
        {
            WriteSeries(folder, symbol, "1d", 86_400_000, Day1.AddDays(-88), 90, price, seed);
            WriteSeries(folder, symbol, "1h", 3_600_000, Day1.AddDays(-8), 240, price, seed + 10);
            WriteSeries(folder, symbol, "1m", 60_000, Day1, 2 * 1440, price, seed + 20);
        }

        return folder;
    }

    [Fact]
    public void Train_fasttree_then_evaluate_writes_rows_for_the_model_fasttree_beside_it_and_the_baselines()
    {
        var data = WriteFixture();
        var models = Temp("onnx");
        var (trainCode, trainOutput) = TrainerRunner.Run(
            "train", "fasttree", "--data", data, "--from", "2024-10-01T01:00", "--to", "2024-10-02", "--timeframes", "1m",
            "--trees", "10", "--leaves", "4", "--stride", "2", "--out", models, "--seed", "7");
        Assert.True(trainCode == 0, trainOutput);
        Assert.True(File.Exists(Path.Combine(models, "fasttree-1m.onnx")), trainOutput);
        var fastTreeCard = ModelCard.Read(Path.Combine(models, "fasttree-1m.json"));
        Assert.Single(Directory.GetFiles(Path.Combine(models, "runs"), "fasttree-1m-*.json"));

        // The "model under evaluation": the same graph presented under kind cnn, so the rows of "cnn" and of the
        // fasttree-1m found beside it must agree exactly.
        File.Copy(Path.Combine(models, "fasttree-1m.onnx"), Path.Combine(models, "cnn-test.onnx"));
        (fastTreeCard with { Name = "cnn-test", Kind = ModelKinds.Cnn }).Write(Path.Combine(models, "cnn-test.json"));

        var json = Temp("eval/out.json");
        var (code, output) = TrainerRunner.Run(
            "evaluate", "--model", Path.Combine(models, "cnn-test.onnx"), "--data", data, "--from", "2024-10-02", "--to", "2024-10-03", "--json", json, "--stride", "2");
        Assert.True(code == 0, output);
        Assert.Contains("always-none", output, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var rows = document.RootElement.EnumerateArray().Select(r => (
            Model: r.GetProperty("model").GetString()!,
            Timeframe: r.GetProperty("timeframe").GetString()!,
            Class: r.GetProperty("class").GetString()!,
            Precision: r.GetProperty("precision").GetDouble(),
            Recall: r.GetProperty("recall").GetDouble(),
            F1: r.GetProperty("f1").GetDouble(),
            Support: r.GetProperty("support").GetInt32())).ToList();

        // Only 1m has labels in one day (1h labels need 100 more hours); every model gives high, low, none.
        Assert.Equal(["cnn", "fasttree", "always-none", "random"], rows.Select(r => r.Model).Distinct());
        Assert.All(rows, r => Assert.Equal("1m", r.Timeframe));
        Assert.Equal(12, rows.Count);
        var supports = rows.Where(r => r.Model == "always-none").ToDictionary(r => r.Class, r => r.Support);
        Assert.All(rows, r => Assert.Equal(supports[r.Class], r.Support));
        Assert.True(supports.Values.Sum() > 300, $"labelled frames: {supports.Values.Sum()}");
        var cnn = rows.Where(r => r.Model == "cnn").ToList();
        var fastTree = rows.Where(r => r.Model == "fasttree").ToList();
        Assert.Equal(cnn.Select(r => (r.Class, r.Precision, r.Recall, r.F1)), fastTree.Select(r => (r.Class, r.Precision, r.Recall, r.F1)));
        var none = rows.Single(r => r.Model == "always-none" && r.Class == "none");
        Assert.Equal(1.0, none.Recall);
        Assert.Equal((double)supports["none"] / supports.Values.Sum(), none.Precision, 12);
        Assert.All(rows.Where(r => r.Model == "always-none" && r.Class != "none"), r => Assert.Equal((0.0, 0.0, 0.0), (r.Precision, r.Recall, r.F1)));
        Assert.All(rows, r => Assert.InRange(r.F1, 0, 1));
    }

    [Fact]
    public void Evaluate_without_a_card_beside_the_model_fails_with_a_clear_message()
    {
        var model = Temp("lonely.onnx");
        File.WriteAllBytes(model, [1, 2, 3]);
        var (code, output) = TrainerRunner.Run("evaluate", "--model", model, "--data", _directory, "--from", "2024-10-02", "--to", "2024-10-03");
        Assert.Equal(1, code);
        Assert.Contains("lonely.json", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_needs_a_known_model_kind_and_dates()
    {
        Assert.Equal(2, TrainerRunner.Run("train", "forest", "--data", _directory).Code);
        Assert.Equal(2, TrainerRunner.Run("train", "fasttree", "--data", _directory, "--from", "2024-10-02").Code);
    }
}
