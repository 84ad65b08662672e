using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Risk;

namespace TradingDashboard.Tests.Orchestration;

/// <summary>An expert that returns whatever vote the test set last.</summary>
internal sealed class ScriptedExpert(string name) : IExpert
{
    public ExpertVote Next { get; set; } = ExpertVote.Create(AgentAction.Hold, 0, "scripted");

    public List<ExpertContext> Seen { get; } = [];

    public string Name => name;

    public ExpertVote Vote(ExpertContext context)
    {
        Seen.Add(context);
        return Next;
    }
}

/// <summary>A gate with weights the test sets (same order as the experts).</summary>
internal sealed class FixedGate(params double[] weights) : IGate
{
    public string Name => "fixed";

    public List<GateContext> Seen { get; } = [];

    public IReadOnlyList<double> Weigh(GateContext context)
    {
        Seen.Add(context);
        return weights;
    }
}

/// <summary>A fresh SQLite file with a threshold store over it, an in-memory audit log and a fake clock.</summary>
internal sealed class ThresholdTestDatabase : IDisposable
{
    public ThresholdTestDatabase(double entry = 0.6, double exit = 0.4)
    {
        Directory.CreateDirectory(DirectoryPath);
        Defaults = new ConfidenceThresholds(entry, exit);
        Database = Open();
        Audit = new RecordingAuditLog(Clock);
        Store = NewStore();
    }

    public static readonly string[] Symbols = ["ETHUSDT", "BTCUSDT"];

    public string DirectoryPath { get; } = Path.Combine(Path.GetTempPath(), "td-tests", Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));

    public ConfidenceThresholds Defaults { get; }

    public SqliteDatabase Database { get; }

    public RecordingAuditLog Audit { get; }

    public SqliteThresholdStore Store { get; }

    public SqliteDatabase Open() => new(new SqliteConnectionStringBuilder { DataSource = Path.Combine(DirectoryPath, "test.db") }.ToString());

    /// <summary>A second store on the same file (what a host restart sees).</summary>
    public SqliteThresholdStore NewStore() => new(Open(), Audit, Symbols, Defaults, Clock);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

internal static class OrchestrationTestKit
{
    public const long M = 60_000;
    public const long T0 = 1_700_000_040_000L;

    public static OHLCVBar Bar(int index, double close, string symbol = "ETHUSDT") =>
        new("test", symbol, Timeframe.OneMinute, T0 + (index * M), close, close, close, close, 10, true);

    public static DateTimeOffset CloseOf(OHLCVBar bar) => DateTimeOffset.FromUnixTimeMilliseconds(bar.CloseTimeMs + 1);

    public static ActionMapper Mapper(bool shortEnabled = false) => new(Orchestrator.Source, 0.5m, shortEnabled, 0.5m);
}
