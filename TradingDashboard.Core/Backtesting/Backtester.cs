using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Core.Backtesting;

/// <summary>How a backtest runs: money, the simulated venue, the risk settings, the period.</summary>
public sealed class BacktestOptions
{
    public decimal InitialCash { get; set; } = 10_000m;

    public string Currency { get; set; } = "USDT";

    /// <summary>Fees, slippage, partial fills and latency of the simulated venue (its InitialCash is replaced by <see cref="InitialCash"/>).</summary>
    public PaperExchangeOptions Paper { get; set; } = new();

    /// <summary>The live risk settings: the backtest runs the same risk manager.</summary>
    public RiskOptions Risk { get; set; } = new();

    /// <summary>Venue rules of every symbol in the data.</summary>
    public IReadOnlyList<SymbolRules> SymbolRules { get; set; } = [];

    /// <summary>Traded symbols (also the buy-and-hold benchmark's); empty: every symbol with rules.</summary>
    public IReadOnlyList<string> Symbols { get; set; } = [];

    /// <summary>Start of the trading period; earlier bars only warm up the strategy (and the risk manager's prices).</summary>
    public DateTimeOffset? TradingStart { get; set; }

    /// <summary>End of the period (exclusive, by bar open time); later bars are not read.</summary>
    public DateTimeOffset? End { get; set; }

    /// <summary>Share of cash a spot entry leaves for fees and slippage (as Trading:Execution:EntryCashBuffer).</summary>
    public decimal EntryCashBuffer { get; set; } = 0.01m;

    /// <summary>Report progress every this many bars.</summary>
    public int ProgressEveryBars { get; set; } = 100_000;
}

/// <summary>Progress of a running backtest.</summary>
public readonly record struct BacktestProgress(long Bars, long TimeMs, double Equity);

/// <summary>Everything a backtest produced.</summary>
/// <param name="Equity">One point per bar time (after every symbol's bar of that time), at the bar's close time.</param>
/// <param name="Benchmark">Buy and hold of the traded symbols in equal parts from the first trading bar, same points.</param>
/// <param name="Fills">Every fill (trades.csv).</param>
/// <param name="Trades">Closed round trips (win rate, profit factor); a position still open at the end is not one.</param>
public sealed record BacktestResult(
    string Strategy,
    IReadOnlyList<string> Symbols,
    long Bars,
    long TradingBars,
    decimal InitialEquity,
    decimal FinalEquity,
    IReadOnlyList<EquityPoint> Equity,
    IReadOnlyList<EquityPoint> Benchmark,
    IReadOnlyList<TradeRecord> Fills,
    IReadOnlyList<RoundTrip> Trades,
    PerformanceSummary Metrics,
    PerformanceSummary BenchmarkMetrics,
    OrderManagerCounters Orders,
    int RiskDenials);

/// <summary>
/// The event-driven backtester: replays closed candles in time order on a <see cref="SimulatedClock"/> through the
/// same classes as live trading (<see cref="PaperExchange"/>, <see cref="OrderManager"/>, <see cref="RiskManager"/>,
/// <see cref="StopLossManager"/>, <see cref="TradingExecutor"/>). Deterministic: the same bars, strategy and options
/// give identical fills and equity.
/// <para>For each bar time: the clock moves to the bars' close; every symbol's bar goes to the paper exchange (orders
/// placed earlier match it) and then to the executor (marks, circuit breaker, stops, equity for the risk limits); then
/// the strategy sees each bar and its targets go through risk to the venue, to fill from the next bar on; then one
/// equity point is recorded.</para>
/// </summary>
public sealed class Backtester(BacktestOptions options, ILoggerFactory? loggerFactory = null)
{
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;

    /// <param name="bars">Closed candles of all symbols, in time order (open time, then any symbol order).</param>
    public async Task<BacktestResult> RunAsync(IEnumerable<OHLCVBar> bars, IStrategy strategy, IProgress<BacktestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(strategy);
        var rules = new SymbolRulesRegistry(options.SymbolRules);
        var symbols = options.Symbols.Count > 0 ? options.Symbols.ToList() : rules.All.Select(r => r.Symbol).ToList();
        var clock = new SimulatedClock();
        var paper = options.Paper.WithInitialCash(options.InitialCash);
        var exchange = new PaperExchange(paper, rules, options.Currency, clock);
        var book = new PositionBook(options.Currency, options.InitialCash, clock);
        using var orders = new OrderManager(exchange, book, rules, NullExecutionStore.Instance, new ExecutionOptions { AccountCurrency = options.Currency, RetryBaseDelayMs = 0 }, clock, _loggerFactory.CreateLogger<OrderManager>());
        await orders.ReconcileAsync(rules.All.Select(r => r.Symbol), cancellationToken).ConfigureAwait(false);
        var risk = new RiskManager(options.Risk, TradingMode.Paper, clock, logger: _loggerFactory.CreateLogger<RiskManager>());
        var stops = new StopLossManager(options.Risk.StopLoss, clock);
        using var executor = new TradingExecutor(orders, risk, stops, clock, _loggerFactory.CreateLogger<TradingExecutor>(), options.EntryCashBuffer);
        var recorder = new TradeRecorder();
        using var subscription = orders.Subscribe(recorder.OnUpdate);
        var context = new Context(book, clock);
        var benchmark = new BenchmarkTracker(symbols, (double)options.InitialCash);

        var startMs = options.TradingStart?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var endMs = options.End?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        // One point per bar time: size the curves once when the bar count is known (a year of 1m bars is 525,600 points).
        var points = bars.TryGetNonEnumeratedCount(out var barCount) ? barCount / Math.Max(1, symbols.Count) : 0;
        var equity = new List<EquityPoint>(points);
        var benchmarkCurve = new List<EquityPoint>(points);
        var group = new List<OHLCVBar>(4);
        long count = 0, tradingBars = 0, lastOpen = long.MinValue;
        var exposed = 0;
        var denials = 0;

        async Task FlushAsync()
        {
            if (group.Count == 0)
            {
                return;
            }

            var closeMs = group[0].CloseTimeMs;
            clock.Set(closeMs + 1);
            for (var i = 0; i < group.Count; i++)
            {
                var bar = group[i];
                exchange.OnBar(bar);
                var marked = executor.OnBarAsync(bar, cancellationToken);
                if (!marked.IsCompletedSuccessfully)
                {
                    await marked.ConfigureAwait(false);
                }
            }

            var warmup = group[0].OpenTimeMs < startMs;
            context.IsWarmup = warmup;
            for (var i = 0; i < group.Count; i++)
            {
                var bar = group[i];
                var target = strategy.OnBar(bar, context);
                if (target is not null && !warmup)
                {
                    var outcome = await executor.ApplyTargetAsync(target, cancellationToken).ConfigureAwait(false);
                    denials += outcome.Action == TargetAction.Denied ? 1 : 0;
                }
            }

            if (!warmup)
            {
                tradingBars += group.Count;
                benchmark.Update(group);
                var value = (double)book.Equity;
                equity.Add(new EquityPoint(closeMs, value));
                benchmarkCurve.Add(new EquityPoint(closeMs, benchmark.Value));
                exposed += book.HasOpenPosition ? 1 : 0;
            }

            group.Clear();
        }

        foreach (var bar in bars)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!bar.IsClosed)
            {
                throw new ArgumentException($"Backtests run on closed candles only; {bar.Symbol} {bar.OpenTime:O} is still forming.", nameof(bars));
            }

            if (bar.OpenTimeMs >= endMs)
            {
                break;
            }

            if (bar.OpenTimeMs != lastOpen)
            {
                if (bar.OpenTimeMs < lastOpen)
                {
                    throw new ArgumentException($"Bars must be in time order: {bar.Symbol} {bar.OpenTime:O} comes after {DateTimeOffset.FromUnixTimeMilliseconds(lastOpen):O}.", nameof(bars));
                }

                await FlushAsync().ConfigureAwait(false);
                lastOpen = bar.OpenTimeMs;
            }
            else if (ContainsSymbol(group, bar.Symbol))
            {
                throw new ArgumentException($"Duplicate bar: {bar.Symbol} {bar.OpenTime:O}.", nameof(bars));
            }

            group.Add(bar);
            count++;
            if (progress is not null && count % Math.Max(1, options.ProgressEveryBars) == 0)
            {
                progress.Report(new BacktestProgress(count, bar.OpenTimeMs, (double)book.Equity));
            }
        }

        await FlushAsync().ConfigureAwait(false);
        var metrics = PerformanceMetrics.Summarize(equity, recorder.Trips, recorder.Fills, exposed);
        var benchmarkMetrics = PerformanceMetrics.Summarize(benchmarkCurve, [], [], benchmarkCurve.Count);
        return new BacktestResult(
            strategy.Name,
            symbols,
            count,
            tradingBars,
            options.InitialCash,
            book.Equity,
            equity,
            benchmarkCurve,
            recorder.Fills,
            recorder.Trips,
            metrics,
            benchmarkMetrics,
            orders.Counters,
            denials);
    }

    /// <summary>A plain loop: a lambda here would allocate a closure for every bar.</summary>
    private static bool ContainsSymbol(List<OHLCVBar> group, string symbol)
    {
        for (var i = 0; i < group.Count; i++)
        {
            if (string.Equals(group[i].Symbol, symbol, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The strategy's read-only view of the account.</summary>
    private sealed class Context(PositionBook book, SimulatedClock clock) : IStrategyContext
    {
        public DateTimeOffset Now => clock.GetUtcNow();

        public bool IsWarmup { get; set; }

        public decimal Equity => book.Equity;

        public decimal PositionOf(string symbol) => book.QuantityOf(symbol);
    }

    /// <summary>Equal parts of the initial equity in each traded symbol, bought at its first trading close, no costs.</summary>
    private sealed class BenchmarkTracker(IReadOnlyList<string> symbols, double initial)
    {
        private readonly HashSet<string> _traded = new(symbols, StringComparer.Ordinal);

        // Insertion order (first trading bar of each symbol) fixes the order of the sum in Value, as before.
        private readonly Dictionary<string, Price> _prices = new(StringComparer.Ordinal);
        private readonly Processing.RecentByReference<Price> _recent = new();
        private readonly List<Price> _ordered = [];
        private readonly double _share = symbols.Count == 0 ? 0 : initial / symbols.Count;

        public double Value
        {
            get
            {
                var value = initial;
                foreach (var price in _ordered)
                {
                    value += _share * (price.Last / price.Base - 1);
                }

                return value;
            }
        }

        public void Update(List<OHLCVBar> group)
        {
            for (var i = 0; i < group.Count; i++)
            {
                var bar = group[i];
                if (_recent.TryGet(bar.Symbol, out var price))
                {
                    price.Last = bar.Close;
                }
                else if (_prices.TryGetValue(bar.Symbol, out price))
                {
                    price.Last = bar.Close;
                    _recent.Remember(bar.Symbol, price);
                }
                else if (_traded.Contains(bar.Symbol))
                {
                    price = new Price { Base = bar.Close, Last = bar.Close };
                    _prices[bar.Symbol] = price;
                    _ordered.Add(price);
                }
            }
        }

        private sealed class Price
        {
            public double Base;
            public double Last;
        }
    }
}
