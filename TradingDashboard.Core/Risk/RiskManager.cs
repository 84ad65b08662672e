using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Risk;

/// <summary>
/// The design's RiskManager: pre-trade checks that approve, resize or deny each intent (never changing it), the
/// trading state Active -> Reducing -> Halted driven by the daily loss and drawdown limits, the circuit breaker, the
/// live ramp, and the real-time risk metrics with alerts. Thread-safe.
/// <para>Checks, in order (the first denial wins; resizes take the smallest cap, each binding cap is a reason):</para>
/// <list type="number">
/// <item>Reduce-only and protective orders: trimmed to the position they reduce; denied when there is none.</item>
/// <item>Trading state: Halted denies everything but protective exits; Reducing denies what adds exposure.</item>
/// <item>Circuit breaker: while tripped, orders that add exposure are denied.</item>
/// <item>Orders that only reduce exposure are approved from here on.</item>
/// <item>Maximum open orders; equity must be positive.</item>
/// <item>Stop-loss: required (RequireStopLoss) and on the loss side of the entry; risk per trade caps the added
/// quantity at equity x RiskPerTradeFraction / |price - stop| (<see cref="PositionSizer"/>).</item>
/// <item>Caps on the added exposure, open orders included: per symbol, in total, leverage; in Live mode the live ramp
/// (per order and in total).</item>
/// <item>After resizing: quantity floored to the step; below the minimum quantity or notional is denied.</item>
/// </list>
/// </summary>
public sealed partial class RiskManager
{
    private const string StateKey = "risk:state";
    private const string PeakKey = "risk:peak-equity";
    private const string DayKey = "risk:day";
    private const string LiveRampKey = "risk:live-ramp";
    private const long DayMs = 86_400_000L;

    private readonly Lock _gate = new();
    private readonly RiskOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IExecutionStore _store;
    private readonly IAuditLog? _audit;
    private readonly IAlertService? _alerts;
    private readonly ILogger _logger;
    private readonly Dictionary<string, LimitStatus> _alerted = new(StringComparer.Ordinal);
    private Action<TradingStateChange>[] _subscribers = [];
    private TradingState _state = TradingState.Active;
    private string _stateReason = "start";
    private decimal _peak;
    private decimal _persistedPeak;
    private decimal _equity;
    private DateOnly _day;
    private decimal _dayStart;
    private bool _hasEquity;
    private long _dayStartMs;
    private decimal _quietFloor = decimal.MaxValue;
    private decimal _quietCeiling = decimal.MinValue;
    private LiveRampLimits _liveRamp;

    public RiskManager(
        RiskOptions options,
        TradingMode mode,
        TimeProvider timeProvider,
        IExecutionStore? store = null,
        IAuditLog? audit = null,
        IAlertService? alerts = null,
        ILogger<RiskManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Mode = mode;
        _timeProvider = timeProvider;
        _store = store ?? NullExecutionStore.Instance;
        _audit = audit;
        _alerts = alerts;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        CircuitBreaker = new CircuitBreaker(options.CircuitBreaker);
        Sizer = new PositionSizer(options);
        _liveRamp = new LiveRampLimits(options.LiveRamp.MaxOrderNotional, options.LiveRamp.MaxTotalNotional);
        LoadPersisted();
    }

    public RiskOptions Options => _options;

    public TradingMode Mode { get; }

    public CircuitBreaker CircuitBreaker { get; }

    public PositionSizer Sizer { get; }

    public TradingState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public string StateReason
    {
        get
        {
            lock (_gate)
            {
                return _stateReason;
            }
        }
    }

    /// <summary>The live ramp ceilings (enforced in Live mode only).</summary>
    public LiveRampLimits LiveRamp
    {
        get
        {
            lock (_gate)
            {
                return _liveRamp;
            }
        }
    }

    public IDisposable Subscribe(Action<TradingStateChange> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>The pre-trade check. Never mutates <paramref name="intent"/>.</summary>
    public RiskDecision Evaluate(OrderIntent intent, RiskContext context)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(context);
        var rules = context.Rules;
        var portfolio = context.Portfolio;
        var price = intent.LimitPrice ?? intent.StopPrice ?? context.ReferencePrice;
        if (price <= 0 || intent.Quantity <= 0)
        {
            return RiskDecision.Deny(intent, "invalid order: price and quantity must be positive");
        }

        var position = 0m;
        foreach (var p in portfolio.Positions)
        {
            if (p.Symbol == intent.Symbol)
            {
                position = p.Quantity;
                break;
            }
        }

        var sign = intent.Side.Sign();
        var opposite = position != 0 && Math.Sign(position) != sign;
        var reduceQuantity = opposite ? Math.Min(intent.Quantity, Math.Abs(position)) : 0m;
        var addQuantity = intent.Quantity - reduceQuantity;
        var reasons = new List<string>();

        if (intent.ReduceOnly || intent.IsProtective)
        {
            if (reduceQuantity == 0)
            {
                return RiskDecision.Deny(intent, $"reduce-only: no {(sign > 0 ? "short" : "long")} position in {intent.Symbol} to reduce");
            }

            if (addQuantity > 0)
            {
                reasons.Add($"reduce-only: quantity {intent.Quantity} trimmed to the position {Math.Abs(position)}");
                addQuantity = 0;
            }
        }

        TradingState state;
        string stateReason;
        lock (_gate)
        {
            state = _state;
            stateReason = _stateReason;
        }

        if (state == TradingState.Halted && !intent.IsProtective)
        {
            return RiskDecision.Deny(intent, $"trading is Halted ({stateReason}): only protective exits are allowed");
        }

        if (state == TradingState.Reducing && addQuantity > 0)
        {
            return RiskDecision.Deny(intent, $"trading is Reducing ({stateReason}): only orders that reduce exposure are allowed");
        }

        var now = _timeProvider.GetUtcNow();
        if (addQuantity > 0 && CircuitBreaker.IsTripped(now))
        {
            return RiskDecision.Deny(intent, $"circuit breaker until {CircuitBreaker.TrippedUntil(now):O}: {CircuitBreaker.LastReason}");
        }

        if (addQuantity == 0)
        {
            return Finish(intent, reduceQuantity, rules, price, reasons);
        }

        if (context.OpenOrders.Count >= _options.MaxOpenOrders)
        {
            return RiskDecision.Deny(intent, $"max open orders: {context.OpenOrders.Count} open, limit {_options.MaxOpenOrders}");
        }

        var equity = portfolio.Equity;
        if (equity <= 0)
        {
            return RiskDecision.Deny(intent, $"equity {equity} is not positive");
        }

        var allowed = addQuantity;

        // The reason is formatted only when the cap binds: formatting decimals for caps that do not bind cost more
        // than the check itself on every entry.
        bool Cap(decimal cap)
        {
            cap = Math.Max(0m, cap);
            if (cap < allowed)
            {
                allowed = cap;
                return true;
            }

            return false;
        }

        if (intent.StopLossPrice is not { } stop)
        {
            if (_options.RequireStopLoss)
            {
                return RiskDecision.Deny(intent, "no stop-loss price: every entry needs one to size its risk");
            }
        }
        else
        {
            if (sign > 0 ? stop >= price : stop <= price)
            {
                return RiskDecision.Deny(intent, $"stop-loss {stop} is on the wrong side of the entry {price} for a {(sign > 0 ? "long" : "short")}");
            }

            var riskQuantity = PositionSizer.QuantityForRisk(equity, _options.RiskPerTradeFraction, price, stop);
            if (Cap(riskQuantity))
            {
                reasons.Add($"risk per trade: {_options.RiskPerTradeFraction:P2} of equity {equity:0.##} over a stop distance of {Math.Abs(price - stop)} allows {riskQuantity:0.########}");
            }
        }

        // Exposure already committed: positions (after this order's reducing part) and open orders that add exposure.
        var sameDirection = opposite ? 0m : Math.Abs(position);
        decimal pendingSymbol = 0, pendingTotal = 0;
        foreach (var order in context.OpenOrders)
        {
            if (order.Intent.ReduceOnly || order.Intent.IsProtective)
            {
                continue;
            }

            var orderPrice = order.Intent.LimitPrice ?? order.Intent.StopPrice ?? MarkOf(portfolio, order.Symbol, order.Symbol == intent.Symbol ? price : 0m);
            pendingTotal += order.RemainingQuantity * orderPrice;
            if (order.Symbol == intent.Symbol && order.Side == intent.Side)
            {
                pendingSymbol += order.RemainingQuantity;
            }
        }

        var gross = Math.Max(0m, portfolio.GrossExposure - reduceQuantity * price) + pendingTotal;
        if (Cap(_options.MaxPositionNotionalPerSymbol / price - sameDirection - pendingSymbol))
        {
            reasons.Add($"max position per symbol: {_options.MaxPositionNotionalPerSymbol} {portfolio.Currency}");
        }

        if (Cap((_options.MaxTotalNotional - gross) / price))
        {
            reasons.Add($"max total exposure: {_options.MaxTotalNotional} {portfolio.Currency} (committed {gross:0.##})");
        }

        if (Cap((_options.MaxLeverage * equity - gross) / price))
        {
            reasons.Add($"max leverage: {_options.MaxLeverage} x equity {equity:0.##} (committed {gross:0.##})");
        }

        var quantity = reduceQuantity + allowed;
        if (Mode == TradingMode.Live)
        {
            var ramp = LiveRamp;
            if (Cap((ramp.MaxTotalNotional - gross) / price))
            {
                reasons.Add($"live ramp: total {ramp.MaxTotalNotional} {portfolio.Currency}");
            }
            quantity = reduceQuantity + allowed;
            var orderCap = ramp.MaxOrderNotional / price;
            if (quantity > orderCap)
            {
                quantity = orderCap;
                reasons.Add($"live ramp: {ramp.MaxOrderNotional} {portfolio.Currency} per order");
            }
        }

        return Finish(intent, quantity, rules, price, reasons);
    }

    /// <summary>
    /// Feeds the account equity (on every mark, fill or candle). Tracks the peak and the UTC day's starting equity
    /// (the last equity of the previous day), and moves the state: daily loss limit -> Reducing for the rest of the
    /// day; max drawdown -> Halted until an admin resumes. Raises alerts when a limit is near or hit.
    /// </summary>
    public void OnEquity(decimal equity, DateTimeOffset time)
    {
        TradingStateChange? change = null;
        List<(AlertSeverity, string)>? alerts = null;
        var timeMs = time.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            // Fast path (every candle or tick): same UTC day and inside the band where no limit, warning or peak changes.
            if (_hasEquity && equity > _quietFloor && equity <= _quietCeiling && timeMs >= _dayStartMs && timeMs < _dayStartMs + DayMs)
            {
                _equity = equity;
                return;
            }

            var day = DateOnly.FromDateTime(time.UtcDateTime);
            _dayStartMs = timeMs - ((timeMs % DayMs) + DayMs) % DayMs;
            if (!_hasEquity)
            {
                _hasEquity = true;
                if (_day != day)
                {
                    _day = day;
                    _dayStart = equity;
                    PersistDay();
                }

                if (_peak <= 0)
                {
                    _peak = equity;
                }
            }
            else if (day != _day)
            {
                _day = day;
                _dayStart = _equity;
                PersistDay();
                if (_state == TradingState.Reducing && _stateReason.StartsWith("daily loss", StringComparison.Ordinal))
                {
                    change = SetStateLocked(TradingState.Active, "new UTC day: daily loss limit reset", "risk", time);
                }
            }

            _equity = equity;
            if (equity > _peak)
            {
                _peak = equity;
            }

            // Persist the peak when it first appears or has risen 0.1 % since the last write (not on every tick).
            if (_peak > 0 && (_persistedPeak <= 0 || _peak >= _persistedPeak * 1.001m))
            {
                _persistedPeak = _peak;
                _store.SetState(PeakKey, _peak.ToString(CultureInfo.InvariantCulture));
            }

            // Limits as equity lines, compared without division: drawdown >= f  <=>  equity <= peak x (1 - f).
            var drawdown = new LimitLines(_peak, _options.MaxDrawdown, _options.WarnAtFraction, equity);
            var dailyLoss = new LimitLines(_dayStart, _options.DailyLossLimit, _options.WarnAtFraction, equity);
            if (drawdown.Status == LimitStatus.Hit && _state != TradingState.Halted)
            {
                change = SetStateLocked(TradingState.Halted, $"max drawdown: {drawdown.Fraction(equity):P2} from peak {_peak:0.##} (limit {_options.MaxDrawdown:P2})", "risk", time);
            }
            else if (dailyLoss.Status == LimitStatus.Hit && _state == TradingState.Active)
            {
                change = SetStateLocked(TradingState.Reducing, $"daily loss: {dailyLoss.Fraction(equity):P2} since {_day:yyyy-MM-dd} start {_dayStart:0.##} (limit {_options.DailyLossLimit:P2})", "risk", time);
            }

            CheckAlertLocked("drawdown", drawdown, equity, _options.MaxDrawdown, ref alerts);
            CheckAlertLocked("daily loss", dailyLoss, equity, _options.DailyLossLimit, ref alerts);
            _quietFloor = Math.Max(drawdown.Floor, dailyLoss.Floor);
            _quietCeiling = Math.Min(Math.Min(drawdown.Ceiling, dailyLoss.Ceiling), _peak);
        }

        Raise(alerts);
        Publish(change);
    }

    /// <summary>Feeds a price to the circuit breaker; returns true when it tripped (an alert is raised).</summary>
    public bool OnPrice(string symbol, double price, DateTimeOffset time)
    {
        if (!CircuitBreaker.OnPrice(symbol, price, time.ToUnixTimeMilliseconds()))
        {
            return false;
        }

        _alerts?.Raise(AlertSeverity.Error, "Risk", $"Circuit breaker: {CircuitBreaker.LastReason}; new entries halted until {CircuitBreaker.TrippedUntil(time):O}.");
        RiskLog.CircuitBreakerTripped(_logger, symbol, CircuitBreaker.LastReason ?? string.Empty);
        return true;
    }

    /// <summary>
    /// A candle's high and low (or any two prices of one time) for the circuit breaker, in that order: the same as two
    /// <see cref="OnPrice"/> calls (the low skipped when equal to the high), with one alert per trip; true when either tripped.
    /// </summary>
    public bool OnPriceRange(string symbol, double high, double low, DateTimeOffset time)
    {
        var (first, second) = CircuitBreaker.OnPrices(symbol, high, low, time.ToUnixTimeMilliseconds());
        if (first is null && second is null)
        {
            return false;
        }

        foreach (var reason in (ReadOnlySpan<string?>)[first, second])
        {
            if (reason is not null)
            {
                _alerts?.Raise(AlertSeverity.Error, "Risk", $"Circuit breaker: {reason}; new entries halted until {CircuitBreaker.TrippedUntil(time):O}.");
                RiskLog.CircuitBreakerTripped(_logger, symbol, reason);
            }
        }

        return true;
    }

    public RiskMetricsSnapshot Snapshot(PortfolioSnapshot portfolio, int openOrders)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            var equity = portfolio.Equity;
            var peak = Math.Max(_peak, equity);
            var drawdown = peak > 0 ? Math.Max(0m, 1m - equity / peak) : 0m;
            var dayStart = _hasEquity ? _dayStart : equity;
            var dailyPnl = equity - dayStart;
            var dailyLoss = dayStart > 0 ? Math.Max(0m, -dailyPnl / dayStart) : 0m;
            var leverage = portfolio.Leverage;
            var limits = new List<LimitUsage>
            {
                Usage("drawdown", drawdown, _options.MaxDrawdown),
                Usage("daily loss", dailyLoss, _options.DailyLossLimit),
                Usage("leverage", leverage, _options.MaxLeverage),
                Usage("total exposure", portfolio.GrossExposure, _options.MaxTotalNotional),
                Usage("open orders", openOrders, _options.MaxOpenOrders),
            };
            foreach (var p in portfolio.Positions)
            {
                limits.Add(Usage($"position {p.Symbol}", Math.Abs(p.Notional), _options.MaxPositionNotionalPerSymbol));
            }

            if (Mode == TradingMode.Live)
            {
                limits.Add(Usage("live ramp total", portfolio.GrossExposure, _liveRamp.MaxTotalNotional));
            }

            return new RiskMetricsSnapshot(
                now,
                Mode,
                _state,
                _stateReason,
                equity,
                peak,
                drawdown,
                dayStart,
                dailyPnl,
                portfolio.GrossExposure,
                portfolio.NetExposure,
                leverage,
                openOrders,
                CircuitBreaker.IsTripped(now),
                CircuitBreaker.TrippedUntil(now),
                CircuitBreaker.LastReason,
                Mode == TradingMode.Live ? _liveRamp : null,
                limits);
        }
    }

    /// <summary>
    /// Sets the trading state by hand (admin only, audited). Leaving Halted starts a new equity peak at the current
    /// equity: otherwise the drawdown that halted trading would halt it again at once.
    /// </summary>
    public async Task SetStateAsync(Actor actor, TradingState state, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var before = State.ToString();
        await RequireAdminAsync(actor, "trading-state", before, state.ToString(), cancellationToken).ConfigureAwait(false);
        TradingStateChange? change;
        lock (_gate)
        {
            _quietFloor = decimal.MaxValue;
            if (_state == TradingState.Halted && state != TradingState.Halted)
            {
                _peak = _equity > 0 ? _equity : _peak;
                _persistedPeak = _peak;
                _store.SetState(PeakKey, _peak.ToString(CultureInfo.InvariantCulture));
            }

            change = SetStateLocked(state, $"set by {actor.Name}: {reason}", actor.Name, _timeProvider.GetUtcNow());
        }

        await _audit!.RecordAsync(actor, "trading-state", "trading", before, $"{state} ({reason})", allowed: true, cancellationToken).ConfigureAwait(false);
        Publish(change);
    }

    /// <summary>Halts trading; used by the kill switch after it has checked and audited the actor.</summary>
    internal void Halt(string reason, string actor)
    {
        TradingStateChange? change;
        lock (_gate)
        {
            change = SetStateLocked(TradingState.Halted, reason, actor, _timeProvider.GetUtcNow());
        }

        Publish(change);
    }

    /// <summary>Changes the live ramp ceilings (admin only, audited, persisted).</summary>
    public async Task SetLiveRampAsync(Actor actor, LiveRampLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(limits);
        var before = Describe(LiveRamp);
        await RequireAdminAsync(actor, "live-ramp", before, Describe(limits), cancellationToken).ConfigureAwait(false);
        if (limits.MaxOrderNotional <= 0 || limits.MaxTotalNotional <= 0 || limits.MaxOrderNotional > limits.MaxTotalNotional)
        {
            throw new ArgumentException("Live ramp limits must be positive, with the per-order limit not above the total.", nameof(limits));
        }

        lock (_gate)
        {
            _liveRamp = limits;
            _store.SetState(LiveRampKey, JsonSerializer.Serialize(new[] { limits.MaxOrderNotional, limits.MaxTotalNotional }));
        }

        await _audit!.RecordAsync(actor, "live-ramp", "risk", before, Describe(limits), allowed: true, cancellationToken).ConfigureAwait(false);
        _alerts?.Raise(AlertSeverity.Info, "Risk", $"Live ramp set by {actor.Name}: {Describe(limits)} (was {before}).");
    }

    internal async Task RequireAdminAsync(Actor actor, string action, string? before, string? after, CancellationToken cancellationToken)
    {
        if (_audit is null)
        {
            throw new InvalidOperationException("No audit log is configured: admin risk actions cannot be recorded, so they are refused.");
        }

        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, action, "risk", before, after, allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"{actor.Name} may not change {action}: admin role required.");
        }
    }

    private static string Describe(LiveRampLimits l) => $"per order {l.MaxOrderNotional}, total {l.MaxTotalNotional}";

    private static decimal MarkOf(PortfolioSnapshot portfolio, string symbol, decimal fallback)
    {
        foreach (var p in portfolio.Positions)
        {
            if (p.Symbol == symbol && p.MarkPrice > 0)
            {
                return p.MarkPrice;
            }
        }

        return fallback;
    }

    private RiskDecision Finish(OrderIntent intent, decimal quantity, SymbolRules rules, decimal price, List<string> reasons)
    {
        var rounded = OrderValidator.FloorToStep(Math.Max(0m, quantity), rules.StepSize);
        if (rounded <= 0 || rounded < rules.MinQuantity)
        {
            reasons.Insert(0, $"resized quantity {rounded} is below the minimum {rules.MinQuantity}");
            return new RiskDecision(RiskVerdict.Deny, intent, null, reasons);
        }

        var checkNotional = intent.Type != OrderType.Market || rules.ApplyMinNotionalToMarket;
        if (checkNotional && rounded * price < rules.MinNotional)
        {
            reasons.Insert(0, $"min notional: {rounded} x {price} = {rounded * price} {rules.QuoteAsset} is below {rules.MinNotional}");
            return new RiskDecision(RiskVerdict.Deny, intent, null, reasons);
        }

        if (rounded == intent.Quantity)
        {
            return new RiskDecision(RiskVerdict.Approve, intent, intent, reasons);
        }

        return new RiskDecision(RiskVerdict.Resize, intent, intent with { Quantity = rounded }, reasons);
    }

    private LimitUsage Usage(string name, decimal value, decimal limit)
    {
        var usage = limit > 0 ? value / limit : 0m;
        var status = usage >= 1m ? LimitStatus.Hit : usage >= _options.WarnAtFraction ? LimitStatus.Near : LimitStatus.Ok;
        return new LimitUsage(name, value, limit, usage, limit - value, status);
    }

    private void CheckAlertLocked(string name, LimitLines lines, decimal equity, decimal limit, ref List<(AlertSeverity, string)>? alerts)
    {
        var status = lines.Status;
        var previous = _alerted.GetValueOrDefault(name);
        _alerted[name] = status;
        if (status <= previous)
        {
            return;
        }

        var value = lines.Fraction(equity);
        (alerts ??= []).Add(status == LimitStatus.Hit
            ? (AlertSeverity.Error, $"Risk limit hit: {name} {value:P2} (limit {limit:P2}).")
            : (AlertSeverity.Warning, $"Risk limit near: {name} {value:P2} is {value / limit:P0} of the limit {limit:P2}."));
    }

    private TradingStateChange? SetStateLocked(TradingState to, string reason, string actor, DateTimeOffset time)
    {
        if (_state == to && _stateReason == reason)
        {
            return null;
        }

        var change = new TradingStateChange(_state, to, reason, actor, time);
        _state = to;
        _stateReason = reason;
        _store.SetState(StateKey, JsonSerializer.Serialize(new PersistedState(to, reason, actor, time.ToUnixTimeMilliseconds())));
        return change;
    }

    private void PersistDay() =>
        _store.SetState(DayKey, string.Create(CultureInfo.InvariantCulture, $"{_day:yyyy-MM-dd}|{_dayStart}"));

    private void LoadPersisted()
    {
        if (_store.GetState(StateKey) is { } stateJson && JsonSerializer.Deserialize<PersistedState>(stateJson) is { } persisted)
        {
            _state = persisted.State;
            _stateReason = persisted.Reason;
        }

        if (_store.GetState(PeakKey) is { } peak)
        {
            _peak = _persistedPeak = decimal.Parse(peak, NumberStyles.Number, CultureInfo.InvariantCulture);
        }

        if (_store.GetState(DayKey) is { } day && day.Split('|') is [var date, var start])
        {
            _day = DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            _dayStart = decimal.Parse(start, NumberStyles.Number, CultureInfo.InvariantCulture);
        }

        if (_store.GetState(LiveRampKey) is { } ramp && JsonSerializer.Deserialize<decimal[]>(ramp) is [var perOrder, var total])
        {
            _liveRamp = new LiveRampLimits(perOrder, total);
        }
    }

    private void Raise(List<(AlertSeverity Severity, string Message)>? alerts)
    {
        if (alerts is null || _alerts is null)
        {
            return;
        }

        foreach (var (severity, message) in alerts)
        {
            _alerts.Raise(severity, "Risk", message);
        }
    }

    private void Publish(TradingStateChange? change)
    {
        if (change is null)
        {
            return;
        }

        RiskLog.StateChanged(_logger, change.From, change.To, change.Reason, change.Actor);
        _alerts?.Raise(change.To == TradingState.Active ? AlertSeverity.Info : AlertSeverity.Error, "Risk", $"Trading {change.From} -> {change.To}: {change.Reason}");
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(change);
        }
    }

    private sealed record PersistedState(TradingState State, string Reason, string Actor, long TimeMs);

    /// <summary>
    /// A loss limit from a reference equity (the peak, or the day's start) as two equity lines: Hit at or below
    /// reference x (1 - limit), Near at or below reference x (1 - warn x limit). Floor and Ceiling bound the equity
    /// band in which the status stays the same.
    /// </summary>
    private readonly struct LimitLines
    {
        public LimitLines(decimal reference, decimal limit, decimal warnAt, decimal equity)
        {
            Reference = reference;
            if (reference <= 0)
            {
                Status = LimitStatus.Ok;
                Floor = decimal.MinValue;
                Ceiling = decimal.MaxValue;
                return;
            }

            var hit = reference * (1m - limit);
            var warn = reference * (1m - warnAt * limit);
            (Status, Floor, Ceiling) = equity <= hit ? (LimitStatus.Hit, decimal.MinValue, hit)
                : equity <= warn ? (LimitStatus.Near, hit, warn)
                : (LimitStatus.Ok, warn, decimal.MaxValue);
        }

        public decimal Reference { get; }

        public LimitStatus Status { get; }

        public decimal Floor { get; }

        public decimal Ceiling { get; }

        /// <summary>The loss as a fraction of the reference (for messages).</summary>
        public decimal Fraction(decimal equity) => Reference > 0 ? Math.Max(0m, 1m - equity / Reference) : 0m;
    }

    private sealed class Subscription(RiskManager owner, Action<TradingStateChange> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._subscribers = owner._subscribers.Where(s => s != handler).ToArray();
            }
        }
    }
}

internal static partial class RiskLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Trading state {From} -> {To}: {Reason} (by {Actor})")]
    public static partial void StateChanged(ILogger logger, TradingState from, TradingState to, string reason, string actor);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Circuit breaker tripped on {Symbol}: {Reason}")]
    public static partial void CircuitBreakerTripped(ILogger logger, string symbol, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Kill switch by {Actor}: {Canceled} orders canceled, {Flatten} flatten orders, reason {Reason}")]
    public static partial void KillSwitch(ILogger logger, string actor, int canceled, int flatten, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Risk {Verdict} {IntentId} {Symbol} {Side} {Quantity}: {Reasons}")]
    public static partial void Decision(ILogger logger, RiskVerdict verdict, string intentId, string symbol, OrderSide side, decimal quantity, string reasons);
}
