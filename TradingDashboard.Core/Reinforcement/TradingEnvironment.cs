using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>
/// The RL agent's trading environment (docs/rl.md): episodes over closed historical bars of one or more symbols,
/// trading the primary symbol, with a decision at every close of the step timeframe. Each episode composes fresh
/// instances of the live classes exactly as the <see cref="Backtester"/> does (<see cref="PaperExchange"/>,
/// <see cref="OrderManager"/>, <see cref="RiskManager"/>, <see cref="StopLossManager"/>, <see cref="TradingExecutor"/>
/// on a <see cref="SimulatedClock"/>) with the same <see cref="BacktestOptions"/>, so fees, slippage, stops and risk
/// limits are those of a backtest, and the same actions give the same fills and equity (tested).
/// <para>Per bar time, as in the backtester: the clock moves to the close; each symbol's bar goes to the paper exchange
/// (orders placed earlier match it), then to the executor (marks, circuit breaker, stops, equity for the risk limits),
/// then to the observation source. At a decision bar the episode waits for the agent: <see cref="Step"/> turns the
/// action into a target (<see cref="ActionMapper"/>), sends it through risk to the venue (it fills from the next bar
/// on), and runs the bars up to the next decision bar.</para>
/// Deterministic: the same bars, options, start and actions give the same observations, rewards and fills. Not
/// thread-safe: one environment per training worker.
/// </summary>
public sealed class TradingEnvironment : IDisposable
{
    /// <summary>Position-state values appended to every observation.</summary>
    public static readonly IReadOnlyList<string> PositionStateNames = ["position.side", "position.size", "position.unrealized_pnl", "position.bars_in_trade"];

    private readonly TradingEnvironmentOptions _options;
    private readonly IObservationSource _source;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ActionMapper _mapper;
    private readonly OHLCVBar[] _bars;

    /// <summary>Index in <see cref="_bars"/> of the first bar of each bar time; one extra entry = bar count.</summary>
    private readonly int[] _groupStarts;

    /// <summary>Group index of each decision point, ascending.</summary>
    private readonly int[] _decisionGroups;

    /// <summary>The primary symbol's bar at each decision point.</summary>
    private readonly OHLCVBar[] _decisionBars;

    private readonly int _sourceLength;
    private readonly double _initialEquity;
    private Episode? _episode;

    /// <param name="bars">Closed bars of one timeframe, all symbols, in time order (open time, then any symbol order), as for the backtester.</param>
    /// <param name="observationSource">Market and model part of the observation; null: <see cref="BarReturnsObservationSource"/> with its defaults.</param>
    public TradingEnvironment(IEnumerable<OHLCVBar> bars, TradingEnvironmentOptions options, IObservationSource? observationSource = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid RL environment settings: " + string.Join(" ", problems), nameof(options));
        }

        _options = options;
        _source = observationSource ?? new BarReturnsObservationSource();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _mapper = new ActionMapper(options.Source, options.LongFraction, options.EnableShort, options.ShortFraction);
        _initialEquity = (double)options.Backtest.InitialCash;

        var endMs = options.Backtest.End?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        _bars = bars.TakeWhile(b => b is null || b.OpenTimeMs < endMs).ToArray();
        (_groupStarts, BarTimeframe) = Group(_bars, options.PrimarySymbol);
        if (options.StepTimeframe.DurationMs() % BarTimeframe.DurationMs() != 0)
        {
            throw new ArgumentException($"StepTimeframe {options.StepTimeframe.ToCode()} is not a whole number of the bars' timeframe {BarTimeframe.ToCode()}: decide on the bars' timeframe or a longer one.", nameof(options));
        }

        (_decisionGroups, _decisionBars) = FindDecisions(_bars, _groupStarts, options);
        if (_decisionGroups.Length < 2)
        {
            throw new ArgumentException($"The bars give {_decisionGroups.Length} decision point(s) for {options.PrimarySymbol} on {options.StepTimeframe.ToCode()} closes{(options.Backtest.TradingStart is { } s ? $" from {s:O}" : string.Empty)}; an episode needs at least 2.", nameof(bars));
        }

        _sourceLength = _source.Names.Count;
        ObservationNames = [.. _source.Names, .. PositionStateNames];
    }

    /// <summary>The timeframe of the bars (the feed), found in the data.</summary>
    public Timeframe BarTimeframe { get; }

    /// <summary>One name per observation value: the source's, then <see cref="PositionStateNames"/>.</summary>
    public IReadOnlyList<string> ObservationNames { get; }

    public int ObservationLength => ObservationNames.Count;

    public static int ActionCount => 3;

    /// <summary>Decision points in the data (an episode from the first one to the last takes this minus one steps).</summary>
    public int DecisionPointCount => _decisionGroups.Length;

    public ActionMapper Mapper => _mapper;

    public bool IsDone => _episode?.EndReason is not null and not EpisodeEndReason.None;

    /// <summary>Steps taken in the current episode.</summary>
    public int StepCount => Current.Steps;

    public EpisodeEndReason EndReason => Current.EndReason;

    /// <summary>Equity now, in the account currency.</summary>
    public decimal Equity => Current.Book.Equity;

    /// <summary>Equity after every bar time from the first decision on (the backtester's curve).</summary>
    public IReadOnlyList<EquityPoint> EquityCurve => Current.Curve;

    /// <summary>Every fill of the episode (trades.csv rows).</summary>
    public IReadOnlyList<TradeRecord> Fills => Current.Recorder.Fills;

    /// <summary>Closed round trips of the episode.</summary>
    public IReadOnlyList<RoundTrip> Trades => Current.Recorder.Trips;

    /// <summary>Targets the risk manager denied in the episode.</summary>
    public int RiskDenials => Current.Denials;

    private Episode Current => _episode ?? throw new InvalidOperationException("No episode: call Reset first.");

    /// <summary>Starts an episode at the first decision point with a full warm-up (or the first one at all).</summary>
    public float[] Reset() => Start(FirstEligible(), seed: null);

    /// <summary>
    /// Starts an episode at a decision point drawn with <paramref name="seed"/> among those with a full warm-up before
    /// them and <see cref="TradingEnvironmentOptions.MaxSteps"/> steps (at least one) after them.
    /// </summary>
    public float[] Reset(int seed)
    {
        var first = FirstEligible();
        var last = _decisionGroups.Length - 1 - (_options.MaxSteps ?? 1);
        if (last < first)
        {
            throw new InvalidOperationException($"The data has {_decisionGroups.Length} decision points; with {_options.WarmupBars} warm-up bars and {_options.MaxSteps ?? 1} steps per episode no start fits.");
        }

        return Start(new Random(seed).Next(first, last + 1), seed);
    }

    /// <summary>Starts an episode at the first decision point whose bar opens at or after <paramref name="start"/> (warm-up as far as the data allows).</summary>
    public float[] Reset(DateTimeOffset start)
    {
        var startMs = start.ToUnixTimeMilliseconds();
        var index = Array.FindIndex(_decisionBars, b => b.OpenTimeMs >= startMs);
        if (index < 0 || index >= _decisionGroups.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"No decision point with a step after it opens at or after {start:O} (data: {_decisionBars[0].OpenTime:O} to {_decisionBars[^1].OpenTime:O}).");
        }

        return Start(index, seed: null);
    }

    /// <summary>
    /// Acts at the current decision point, runs the bars to the next one, and returns its observation, the reward
    /// (docs/rl.md) and whether the episode is over.
    /// </summary>
    public StepResult Step(AgentAction action)
    {
        var e = Current;
        if (e.EndReason != EpisodeEndReason.None)
        {
            throw new InvalidOperationException($"The episode is over ({e.EndReason}); call Reset.");
        }

        if (!Enum.IsDefined(action))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown agent action: expected Hold (0), Buy (1) or Sell (2).");
        }

        var fillsBefore = e.Recorder.Fills.Count;
        var feesBefore = e.Recorder.FeesTotal;
        TargetAction? targetAction = null;
        string? targetReason = null;
        if (_mapper.ToTarget(action, _options.PrimarySymbol, e.Clock.GetUtcNow()) is { } target)
        {
            var outcome = Sync(e.Executor.ApplyTargetAsync(target));
            targetAction = outcome.Action;
            targetReason = outcome.Reason;
            e.Denials += outcome.Action == TargetAction.Denied ? 1 : 0;
        }

        e.Decision++;
        var group = _decisionGroups[e.Decision];
        for (var g = e.Group + 1; g <= group; g++)
        {
            RunGroup(e, g, trading: true);
        }

        e.Group = group;
        e.Steps++;

        var equity = (double)e.Book.Equity;
        var previous = e.LastEquity;
        e.Peak = Math.Max(e.Peak, equity);
        var drawdown = e.Peak > 0 ? 1 - equity / e.Peak : 0;
        var stepReturn = previous > 0 ? equity / previous - 1 : 0;
        var reward = new RewardBreakdown(
            (equity - previous) / _initialEquity,
            _options.Reward.DrawdownPenalty * Math.Max(0, drawdown - e.LastDrawdown),
            _options.Reward.VolatilityPenalty * stepReturn * stepReturn,
            targetAction == TargetAction.Submitted ? _options.Reward.TradePenalty : 0);
        e.LastEquity = equity;
        e.LastDrawdown = drawdown;
        e.RewardSum += reward.Reward;
        e.PnlSum += reward.Pnl;
        e.DrawdownPenaltySum += reward.DrawdownPenalty;
        e.VolatilityPenaltySum += reward.VolatilityPenalty;
        e.TradePenaltySum += reward.TradePenalty;

        e.EndReason = equity <= 0 ? EpisodeEndReason.Bankrupt
            : _options.EndOnRiskHalt && e.Risk.State == TradingState.Halted ? EpisodeEndReason.RiskHalted
            : e.Steps >= _options.MaxSteps ? EpisodeEndReason.MaxSteps
            : e.Decision == _decisionGroups.Length - 1 ? EpisodeEndReason.EndOfData
            : EpisodeEndReason.None;

        var observation = Observe(e);
        var info = new StepInfo(
            e.Steps,
            _decisionBars[e.Decision].CloseTimeMs,
            action,
            targetAction,
            targetReason,
            equity,
            drawdown,
            e.Book.QuantityOf(_options.PrimarySymbol),
            e.Recorder.Fills.Count - fillsBefore,
            (double)(e.Recorder.FeesTotal - feesBefore),
            reward,
            e.EndReason);
        return new StepResult(observation, reward.Reward, e.EndReason != EpisodeEndReason.None, info);
    }

    /// <summary>The current episode's metrics (docs/metrics.md definitions); computed over the whole curve, so call it once per episode.</summary>
    public EpisodeMetrics Metrics()
    {
        var e = Current;
        var performance = PerformanceMetrics.Summarize(e.Curve, e.Recorder.Trips, e.Recorder.Fills, e.Exposed);
        return new EpisodeMetrics(
            e.Seed,
            _decisionBars[e.FirstDecision].CloseTimeMs,
            _decisionBars[e.Decision].CloseTimeMs,
            e.Steps,
            e.EndReason,
            _initialEquity,
            (double)e.Book.Equity,
            performance.TotalReturn,
            performance.Sharpe,
            performance.Sortino,
            performance.MaxDrawdown,
            performance.Trades,
            e.Recorder.Fills.Count,
            performance.FeesPaid,
            e.Denials,
            e.RewardSum,
            e.PnlSum,
            e.DrawdownPenaltySum,
            e.VolatilityPenaltySum,
            e.TradePenaltySum,
            performance);
    }

    public void Dispose()
    {
        _episode?.Dispose();
        _episode = null;
    }

    private int FirstEligible()
    {
        var startMs = _options.Backtest.TradingStart?.ToUnixTimeMilliseconds() ?? long.MinValue;
        for (var i = 0; i < _decisionGroups.Length - 1; i++)
        {
            if (_decisionGroups[i] >= _options.WarmupBars && _decisionBars[i].OpenTimeMs >= startMs)
            {
                return i;
            }
        }

        return 0; // the data is shorter than the warm-up: start at the first decision point with what there is
    }

    private float[] Start(int decision, int? seed)
    {
        _episode?.Dispose();
        _episode = null;
        var episode = new Episode(_options, _loggerFactory, seed, decision);
        _episode = episode;
        _source.Reset(new ObservationEpisode(_options.PrimarySymbol, _options.StepTimeframe, BarTimeframe));

        var group = _decisionGroups[decision];
        for (var g = Math.Max(0, group - _options.WarmupBars); g <= group; g++)
        {
            RunGroup(episode, g, trading: g == group);
        }

        episode.Group = group;
        episode.LastEquity = (double)episode.Book.Equity;
        episode.Peak = episode.LastEquity;
        return Observe(episode);
    }

    /// <summary>One bar time, as the backtester's flush: clock, venue, executor (and the observation source), equity point.</summary>
    private void RunGroup(Episode e, int g, bool trading)
    {
        var from = _groupStarts[g];
        var to = _groupStarts[g + 1];
        var closeMs = _bars[from].CloseTimeMs;
        e.Clock.Set(closeMs + 1);
        for (var i = from; i < to; i++)
        {
            var bar = _bars[i];
            e.Exchange.OnBar(bar);
            var marked = e.Executor.OnBarAsync(bar);
            if (!marked.IsCompletedSuccessfully)
            {
                Sync(marked.AsTask());
            }

            _source.OnBar(bar);
        }

        if (trading)
        {
            e.Curve.Add(new EquityPoint(closeMs, (double)e.Book.Equity));
            e.Exposed += e.Book.HasOpenPosition ? 1 : 0;
        }
    }

    private float[] Observe(Episode e)
    {
        var observation = new float[ObservationLength];
        var bar = _decisionBars[e.Decision];
        _source.Write(bar, observation.AsSpan(0, _sourceLength));

        var symbol = _options.PrimarySymbol;
        var quantity = e.Book.QuantityOf(symbol);
        var side = Math.Sign(quantity);
        e.BarsInTrade = side == 0 ? 0 : side == e.LastSide ? e.BarsInTrade + 1 : 1;
        e.LastSide = side;
        var p = _sourceLength;
        observation[p] = side;
        if (side != 0 && e.Recorder.LastPosition(symbol) is { } position)
        {
            // The latest fill's position has the average entry; the book's last price is the current mark.
            var mark = e.Book.LastPrice(symbol) ?? position.MarkPrice;
            var equity = e.Book.Equity;
            if (equity > 0)
            {
                observation[p + 1] = (float)(Math.Abs(quantity * mark) / equity);
                observation[p + 2] = (float)(quantity * (mark - position.AverageEntryPrice) / equity);
            }

            observation[p + 3] = (float)(e.BarsInTrade / _options.BarsInTradeScale);
        }

        return observation;
    }

    /// <summary>
    /// The paper venue answers synchronously, so every call of the trading classes completes before it returns. A
    /// call that did not would wait for the simulated clock, which only this thread moves: refuse rather than hang.
    /// </summary>
    private static T Sync<T>(Task<T> task) => task.IsCompleted
        ? task.GetAwaiter().GetResult()
        : throw new InvalidOperationException("A trading call did not complete synchronously on the paper venue; the environment cannot wait for simulated time.");

    private static void Sync(Task task)
    {
        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("A trading call did not complete synchronously on the paper venue; the environment cannot wait for simulated time.");
        }

        task.GetAwaiter().GetResult();
    }

    private static (int[] GroupStarts, Timeframe Timeframe) Group(OHLCVBar[] bars, string primary)
    {
        if (bars.Length == 0)
        {
            throw new ArgumentException("No bars: an episode needs closed bars of the primary symbol (before Backtest:End, if set).", nameof(bars));
        }

        var timeframe = bars[0]?.Timeframe ?? default;
        var starts = new List<int>(bars.Length + 1);
        long lastOpen = long.MinValue;
        var groupStart = 0;
        var hasPrimary = false;
        var symbols = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < bars.Length; i++)
        {
            var bar = bars[i] ?? throw new ArgumentException($"Bar {i} is null.", nameof(bars));
            if (!bar.IsClosed)
            {
                throw new ArgumentException($"The environment runs on closed candles only; {bar.Symbol} {bar.OpenTime:O} is still forming.", nameof(bars));
            }

            if (bar.Timeframe != timeframe)
            {
                throw new ArgumentException($"All bars must have one timeframe: {bar.Symbol} {bar.OpenTime:O} is {bar.Timeframe.ToCode()}, the first bar {timeframe.ToCode()}.", nameof(bars));
            }

            if (!(bar.Close > 0) || !double.IsFinite(bar.Close))
            {
                throw new ArgumentException($"Bar {bar.Symbol} {bar.OpenTime:O} has a close of {bar.Close}: prices must be positive and finite.", nameof(bars));
            }

            if (bar.OpenTimeMs != lastOpen)
            {
                if (bar.OpenTimeMs < lastOpen)
                {
                    throw new ArgumentException($"Bars must be in time order: {bar.Symbol} {bar.OpenTime:O} comes after {DateTimeOffset.FromUnixTimeMilliseconds(lastOpen):O}.", nameof(bars));
                }

                starts.Add(i);
                groupStart = i;
                lastOpen = bar.OpenTimeMs;
            }
            else
            {
                for (var k = groupStart; k < i; k++)
                {
                    if (string.Equals(bars[k].Symbol, bar.Symbol, StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"Duplicate bar: {bar.Symbol} {bar.OpenTime:O}.", nameof(bars));
                    }
                }
            }

            hasPrimary |= string.Equals(bar.Symbol, primary, StringComparison.Ordinal);
            symbols.Add(bar.Symbol);
        }

        if (!hasPrimary)
        {
            throw new ArgumentException($"Unknown symbol: no bars of the primary symbol '{primary}' (the bars hold {string.Join(", ", symbols)}).", nameof(bars));
        }

        starts.Add(bars.Length);
        return ([.. starts], timeframe);
    }

    private static (int[] Groups, OHLCVBar[] Bars) FindDecisions(OHLCVBar[] bars, int[] groupStarts, TradingEnvironmentOptions options)
    {
        var stepMs = options.StepTimeframe.DurationMs();
        var startMs = options.Backtest.TradingStart?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var groups = new List<int>();
        var decisionBars = new List<OHLCVBar>();
        for (var g = 0; g < groupStarts.Length - 1; g++)
        {
            var first = bars[groupStarts[g]];
            if ((first.CloseTimeMs + 1) % stepMs != 0 || first.OpenTimeMs < startMs)
            {
                continue;
            }

            for (var i = groupStarts[g]; i < groupStarts[g + 1]; i++)
            {
                if (string.Equals(bars[i].Symbol, options.PrimarySymbol, StringComparison.Ordinal))
                {
                    groups.Add(g);
                    decisionBars.Add(bars[i]);
                    break;
                }
            }
        }

        return ([.. groups], [.. decisionBars]);
    }

    /// <summary>One episode's trading classes and counters, composed as the backtester composes them.</summary>
    private sealed class Episode : IDisposable
    {
        private readonly IDisposable _subscription;

        public Episode(TradingEnvironmentOptions options, ILoggerFactory loggerFactory, int? seed, int decision)
        {
            var backtest = options.Backtest;
            Seed = seed;
            FirstDecision = decision;
            Decision = decision;
            var rules = new SymbolRulesRegistry(backtest.SymbolRules);
            Clock = new SimulatedClock();
            Exchange = new PaperExchange(backtest.Paper.WithInitialCash(backtest.InitialCash), rules, backtest.Currency, Clock);
            Book = new PositionBook(backtest.Currency, backtest.InitialCash, Clock);
            Orders = new OrderManager(Exchange, Book, rules, NullExecutionStore.Instance, new ExecutionOptions { AccountCurrency = backtest.Currency, RetryBaseDelayMs = 0 }, Clock, loggerFactory.CreateLogger<OrderManager>());
            Sync(Orders.ReconcileAsync(rules.All.Select(r => r.Symbol)));
            Risk = new RiskManager(backtest.Risk, TradingMode.Paper, Clock, logger: loggerFactory.CreateLogger<RiskManager>());
            var stops = new StopLossManager(backtest.Risk.StopLoss, Clock);
            Executor = new TradingExecutor(Orders, Risk, stops, Clock, loggerFactory.CreateLogger<TradingExecutor>(), backtest.EntryCashBuffer);
            _subscription = Orders.Subscribe(Recorder.OnUpdate);
        }

        public int? Seed { get; }

        public int FirstDecision { get; }

        public SimulatedClock Clock { get; }

        public PaperExchange Exchange { get; }

        public PositionBook Book { get; }

        public OrderManager Orders { get; }

        public RiskManager Risk { get; }

        public TradingExecutor Executor { get; }

        public TradeRecorder Recorder { get; } = new();

        public List<EquityPoint> Curve { get; } = [];

        public int Decision;
        public int Group;
        public int Steps;
        public int Exposed;
        public int Denials;
        public int BarsInTrade;
        public int LastSide;
        public double LastEquity;
        public double LastDrawdown;
        public double Peak;
        public double RewardSum;
        public double PnlSum;
        public double DrawdownPenaltySum;
        public double VolatilityPenaltySum;
        public double TradePenaltySum;
        public EpisodeEndReason EndReason;

        public void Dispose()
        {
            _subscription.Dispose();
            Executor.Dispose();
            Orders.Dispose();
        }
    }
}
