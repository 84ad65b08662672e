using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Backtesting;
using TradingDashboard.Tests.Risk;
using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components.Backtests;

/// <summary>Candles in memory; <see cref="Gate"/>, when set, holds every read until it completes (or the read is canceled).</summary>
internal sealed class InMemoryCandleStore(IReadOnlyList<OHLCVBar> bars) : ICandleStore
{
    public TaskCompletionSource? Gate { get; set; }

    public async Task<IReadOnlyList<OHLCVBar>> GetRangeAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, string? source = null, CancellationToken cancellationToken = default)
    {
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return bars.Where(b => b.Symbol == symbol && b.Timeframe == timeframe && b.OpenTimeMs >= fromMs && b.OpenTimeMs <= toMs).ToList();
    }

    public Task<int> UpsertAsync(IReadOnlyCollection<OHLCVBar> bars, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<OHLCVBar>> GetLatestAsync(string symbol, Timeframe timeframe, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long?> GetLatestOpenTimeAsync(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyDictionary<CandleSeriesKey, long>> GetLatestOpenTimesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> CountAsync(string symbol, Timeframe timeframe, string? source = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}

internal static class BacktestPageTestKit
{
    public const string Strategy = "ma-cross:5:20";

    public static readonly DateTimeOffset Day = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>600 one-minute ETHUSDT candles from 2024-01-01 00:00 UTC (a seeded random walk).</summary>
    public static List<OHLCVBar> Bars() => BacktestTestKit.RandomWalk(600, seed: 7, ("ETHUSDT", 2000));

    public static ExecutionOptions Execution()
    {
        var options = new ExecutionOptions { AccountCurrency = "USDT", EntryCashBuffer = 0.01m, Paper = BacktestTestKit.Options().Paper };
        options.SymbolRules.Add(new SymbolRulesOptions { Symbol = "ETHUSDT", BaseAsset = "ETH", QuoteAsset = "USDT", TickSize = 0.01m, StepSize = 0.0001m, MinQuantity = 0.0001m, MinNotional = 5m });
        return options;
    }

    public static BacktestJobService Service(ICandleStore store, RecordingAuditLog audit, TimeProvider time) =>
        new(store, new StrategyCatalog(), Options.Create(Execution()), Options.Create(BacktestTestKit.DefaultRisk()), audit, time);

    /// <summary>The same run done directly with the real backtester: what the page must show.</summary>
    public static Task<BacktestResult> ExpectedAsync()
    {
        var execution = Execution();
        var options = new BacktestOptions
        {
            InitialCash = execution.Paper.InitialCash,
            Currency = "USDT",
            Paper = execution.Paper,
            Risk = BacktestTestKit.DefaultRisk(),
            SymbolRules = execution.ParsedSymbolRules(),
            Symbols = ["ETHUSDT"],
            EntryCashBuffer = 0.01m,
        };
        return new Backtester(options).RunAsync(Bars(), new StrategyCatalog().Create(Strategy, ["ETHUSDT"]));
    }
}
