using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Trainer.Verbs;

/// <summary>
/// <c>backtest</c>: runs a strategy from the <see cref="StrategyCatalog"/> through the event-driven
/// <see cref="Backtester"/> (paper exchange, risk manager, stops) over the kline files of a folder, and writes
/// report.json, equity.csv and trades.csv (formats in docs/metrics.md).
/// </summary>
internal sealed class BacktestVerb : IVerb
{
    /// <summary>Venue rules for the symbols the host trades (as Trading:Execution:SymbolRules in appsettings.json).</summary>
    private static readonly Dictionary<string, SymbolRules> KnownRules = new(StringComparer.Ordinal)
    {
        ["ETHUSDT"] = new("ETHUSDT", "ETH", "USDT", 0.01m, 0.0001m, 0.0001m, 10m) { MinPrice = 0.01m, MaxPrice = 1_000_000m, MaxQuantity = 9000m },
        ["BTCUSDT"] = new("BTCUSDT", "BTC", "USDT", 0.01m, 0.00001m, 0.00001m, 10m) { MinPrice = 0.01m, MaxPrice = 1_000_000m, MaxQuantity = 9000m },
    };

    public string Name => "backtest";

    public string Summary => "Backtest a strategy over a folder of Binance kline files; writes report.json, equity.csv, trades.csv.";

    public string Usage => "backtest --data DIR --symbols ETHUSDT,BTCUSDT --from DATE --to DATE --strategy NAME --out DIR [--warmup-days N] [--cash USDT] [--stop pivot|atr|fixed]";

    public IReadOnlyList<string> Details =>
    [
        "--data: folder of kline files (searched recursively, e.g. shared/data/binance/spot/klines); the 1m files are used when every symbol has them, else the smallest interval all symbols share.",
        "--from: first day traded (UTC); --to: last day traded (a bare date includes that whole day; a date with a time is an exclusive end).",
        "--warmup-days: history before --from fed to the strategy without trading (default 3); --cash: initial equity in USDT (default 10000).",
        $"--strategy: {string.Join(", ", new StrategyCatalog().Names)} (parameters after ':', e.g. rule:2 or ma-cross:20:50).",
        "--stop: initial stop of each entry (StopLossManager): pivot = beyond the last confirmed pivot low (default), atr = 2 x ATR, fixed = 2 %; trailing.",
        "Paper venue: 0.1 % taker fee, 1 bp slippage + size impact, fills from the next bar, 50 ms latency; the benchmark is buy-and-hold in equal parts without costs.",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Name, args, ["data", "symbols", "from", "to", "strategy", "out", "warmup-days", "cash", "stop"]);
        var dataDir = cl.Required("data");
        var symbols = cl.Required("symbols").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => KlineInput.ParseSymbol(Name, s)).Distinct(StringComparer.Ordinal).ToList();
        if (symbols.Count == 0)
        {
            throw new UsageException($"{Name}: --symbols lists no symbol.");
        }

        var from = cl.Date("from") ?? throw new UsageException($"{Name}: missing required option --from.");
        var toText = cl.Required("to");
        var to = cl.Date("to")!.Value;
        if (IsBareDate(toText))
        {
            to = to.AddDays(1);
        }

        if (to <= from)
        {
            throw new UsageException($"{Name}: --to must be after --from.");
        }

        var outDir = cl.Required("out");
        var warmupDays = cl.Int("warmup-days", 3, 0, 365);
        var cash = cl.Int("cash", 10_000, 100, 1_000_000_000);
        var stopMode = (cl.Optional("stop") ?? "pivot").ToLowerInvariant() switch
        {
            "pivot" => StopLossMode.Pivot,
            "atr" => StopLossMode.Atr,
            "fixed" => StopLossMode.Fixed,
            var other => throw new UsageException($"{Name}: --stop must be pivot, atr or fixed (got '{other}')."),
        };

        var catalog = new StrategyCatalog();
        IStrategy strategy;
        try
        {
            strategy = catalog.Create(cl.Required("strategy"), symbols);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            throw new UsageException($"{Name}: {ex.Message}");
        }

        if (!Directory.Exists(dataDir))
        {
            throw new DirectoryNotFoundException($"Data folder not found: {dataDir}");
        }

        var files = ReplayFileCatalog.Scan(dataDir);
        var timeframe = ChooseTimeframe(files, symbols, dataDir);
        var warmupStart = from.AddDays(-warmupDays).ToUnixTimeMilliseconds();
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var rejected = 0;
        var bars = new List<(OHLCVBar Bar, int Order)>();
        for (var k = 0; k < symbols.Count; k++)
        {
            var inRange = 0;
            foreach (var bar in files.ReadKlines(symbols[k], timeframe, ReplayMarketDataSourceName, (_, _, _) => rejected++))
            {
                if (bar.OpenTimeMs >= toMs)
                {
                    break;
                }

                if (bar.OpenTimeMs >= warmupStart)
                {
                    bars.Add((bar, k));
                    inRange += bar.OpenTimeMs >= fromMs ? 1 : 0;
                }
            }

            if (inRange == 0)
            {
                throw new InvalidDataException(
                    $"No {timeframe.ToCode()} data for {symbols[k]} from {from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm} UTC in {dataDir}.");
            }
        }

        bars.Sort((a, b) => a.Bar.OpenTimeMs != b.Bar.OpenTimeMs ? a.Bar.OpenTimeMs.CompareTo(b.Bar.OpenTimeMs) : a.Order.CompareTo(b.Order));
        var options = Options(symbols, cash, stopMode, from, to);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{strategy.Name} on {string.Join(",", symbols)} {timeframe.ToCode()}: {bars.Count} bars ({bars.Count(b => b.Bar.OpenTimeMs < fromMs)} warm-up) from {from:yyyy-MM-dd} to {to:yyyy-MM-dd HH:mm} UTC{(rejected > 0 ? $", {rejected} malformed rows skipped" : string.Empty)}")));

        BacktestResult? result = null;
        var total = (double)bars.Count;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("backtest", maxValue: total);
                var progress = new DirectProgress(p => task.Value = p.Bars);
                result = new Backtester(options).RunAsync(bars.Select(b => b.Bar), strategy, progress).GetAwaiter().GetResult();
                task.Value = total;
            });

        BacktestReportWriter.WriteAsync(result!, outDir).GetAwaiter().GetResult();
        WriteSummary(console, result!, outDir);
        return 0;
    }

    private const string ReplayMarketDataSourceName = "Replay";

    /// <summary>The backtest's settings: the live defaults of the paper venue and the risk manager, sized to the cash.</summary>
    internal static BacktestOptions Options(IReadOnlyList<string> symbols, decimal cash, StopLossMode stopMode, DateTimeOffset from, DateTimeOffset to) => new()
    {
        InitialCash = cash,
        Currency = "USDT",
        Paper = new PaperExchangeOptions(),
        Risk = new RiskOptions
        {
            MaxPositionNotionalPerSymbol = cash,
            MaxTotalNotional = cash,
            StopLoss = new StopLossOptions { Mode = stopMode },
        },
        SymbolRules = symbols.Select(RulesFor).ToList(),
        Symbols = symbols,
        TradingStart = from,
        End = to,
        ProgressEveryBars = 10_000,
    };

    /// <summary>The host's rules for its symbols; for another *USDT symbol, 8-decimal ticks and steps with a 10 USDT minimum.</summary>
    private static SymbolRules RulesFor(string symbol) =>
        KnownRules.TryGetValue(symbol, out var rules)
            ? rules
            : symbol.EndsWith("USDT", StringComparison.Ordinal) && symbol.Length > 4
                ? new SymbolRules(symbol, symbol[..^4], "USDT", 0.00000001m, 0.00000001m, 0.00000001m, 10m)
                : throw new UsageException($"backtest: only *USDT symbols can be backtested (got {symbol}).");

    private static Timeframe ChooseTimeframe(ReplayFileCatalog files, IReadOnlyList<string> symbols, string dataDir)
    {
        IEnumerable<Timeframe>? common = null;
        foreach (var symbol in symbols)
        {
            var timeframes = files.KlineTimeframes(symbol);
            if (timeframes.Count == 0)
            {
                throw new InvalidDataException($"No kline files for {symbol} in {dataDir}.");
            }

            common = common is null ? timeframes : common.Intersect(timeframes);
        }

        var shared = common!.Order().ToList();
        return shared.Contains(Timeframe.OneMinute)
            ? Timeframe.OneMinute
            : shared.Count > 0 ? shared[0] : throw new InvalidDataException($"The symbols {string.Join(",", symbols)} share no kline interval in {dataDir}.");
    }

    private static bool IsBareDate(string text) => DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static void WriteSummary(IAnsiConsole console, BacktestResult result, string outDir)
    {
        static string Pct(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("P2", CultureInfo.InvariantCulture) : "n/a";
        static string Num(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var m = result.Metrics;
        var b = result.BenchmarkMetrics;
        var table = new Table().AddColumn("metric").AddColumn(Markup.Escape(result.Strategy)).AddColumn("buy-and-hold");
        table.AddRow("total return", Pct(m.TotalReturn), Pct(b.TotalReturn));
        table.AddRow("sharpe", Num(m.Sharpe), Num(b.Sharpe));
        table.AddRow("sortino", Num(m.Sortino), Num(b.Sortino));
        table.AddRow("max drawdown", Pct(m.MaxDrawdown), Pct(b.MaxDrawdown));
        table.AddRow("trades", m.Trades.ToString(CultureInfo.InvariantCulture), "-");
        table.AddRow("win rate", Pct(m.WinRate), "-");
        table.AddRow("profit factor", m.ProfitFactor is null ? (m.Trades > 0 ? "no losing trade" : "n/a") : Num(m.ProfitFactor), "-");
        table.AddRow("exposure", Pct(m.Exposure), "100.00%");
        table.AddRow("fees paid", Num(m.FeesPaid), "0");
        console.Write(table);
        console.MarkupLine($"Wrote report.json, equity.csv ({result.Equity.Count} rows), trades.csv ({result.Fills.Count} fills) to [green]{Markup.Escape(outDir)}[/].");
    }

    /// <summary>Reports on the backtest's thread (System.Progress would post to a thread pool and race the console).</summary>
    private sealed class DirectProgress(Action<BacktestProgress> report) : IProgress<BacktestProgress>
    {
        public void Report(BacktestProgress value) => report(value);
    }
}
