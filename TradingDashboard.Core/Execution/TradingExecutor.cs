using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// What an expert or the orchestrator wants held in one symbol, decided at a bar close: the input of the executor
/// (the design's TradingAction maps to it: buy -> +1, sell -> 0 on spot, or -1 where shorting is allowed).
/// </summary>
/// <param name="TargetFraction">Desired position value as a fraction of equity: 1 long at full size, 0 flat, -1 short.
/// The risk manager may size it down (risk per trade, caps).</param>
/// <param name="Source">The expert or strategy name (part of the idempotency key).</param>
/// <param name="Time">Decision time (the bar close); with Source and Symbol it makes the intent id.</param>
public sealed record PositionTarget(string Symbol, decimal TargetFraction, string Source, double Confidence, string Reason, DateTimeOffset Time)
{
    /// <summary>Latest ATR of the symbol, for ATR-based stops.</summary>
    public double? Atr { get; init; }

    /// <summary>Last confirmed pivot low (for a long's stop) or high (for a short's), for pivot-based stops.</summary>
    public decimal? StopPivot { get; init; }
}

public enum TargetAction
{
    /// <summary>The position already matches the target's direction; nothing sent.</summary>
    NoChange,

    /// <summary>An order was sent (see <see cref="TargetOutcome.Order"/>; it may have been resized by risk).</summary>
    Submitted,

    /// <summary>The risk manager denied the order.</summary>
    Denied,

    /// <summary>Not acted on (e.g. an order for the symbol is still open, no price yet).</summary>
    Skipped,
}

public sealed record TargetOutcome(PositionTarget Target, TargetAction Action, string Reason, RiskDecision? Risk = null, Order? Order = null);

/// <summary>
/// The design's TradingExecutor: turns position targets into orders through the risk manager and the order manager,
/// keeps every position protected by a stop (on the venue where it supports stop orders, else watched locally on
/// every price), and feeds prices and equity to the risk manager. One instance per venue; the backtester drives the
/// same class with a simulated clock.
/// <para>Policy (spot-first, documented in docs/metrics.md): a target in the direction of the current position does
/// not resize it; a target of 0, or against the position, closes it (reduce-only market order); a flip opens the new
/// side on a later decision. Entries are market orders carrying their stop-loss price, sized by the target fraction
/// and capped by the risk manager (risk per trade from the stop distance, exposure caps). A target against the only
/// direction the venue allows (short on spot) is treated as flat.</para>
/// </summary>
public sealed partial class TradingExecutor : IDisposable
{
    private readonly Lock _gate = new();
    private readonly OrderManager _orders;
    private readonly RiskManager _risk;
    private readonly StopLossManager _stops;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private readonly Dictionary<string, SymbolState> _symbols = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stopWork = new(StringComparer.Ordinal);
    private long _sequence;

    public TradingExecutor(OrderManager orders, RiskManager risk, StopLossManager stops, TimeProvider timeProvider, ILogger<TradingExecutor>? logger = null, decimal entryCashBuffer = 0.01m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entryCashBuffer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(entryCashBuffer, 1m);
        EntryCashBuffer = entryCashBuffer;
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(stops);
        _orders = orders;
        _risk = risk;
        _stops = stops;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _subscription = orders.Subscribe(OnOrderUpdate);
    }

    public OrderManager Orders => _orders;

    /// <summary>Share of cash a long entry on a spot venue leaves for fees and slippage (see <see cref="ExecutionOptions.EntryCashBuffer"/>).</summary>
    public decimal EntryCashBuffer { get; }

    public RiskManager Risk => _risk;

    public StopLossManager Stops => _stops;

    /// <summary>True when stops are placed as stop orders on the venue, false when they are watched locally.</summary>
    public bool StopsOnVenue => _stops.Options.PlaceOnVenue && _orders.Venue.Capabilities.SupportsStopMarket;

    /// <summary>Current risk metrics for the dashboard.</summary>
    public RiskMetricsSnapshot RiskSnapshot() => _risk.Snapshot(_orders.Positions.Snapshot(), _orders.OpenOrderCount);

    /// <summary>
    /// A closed candle: marks the position, feeds the circuit breaker and equity to the risk manager, trails stops
    /// (and triggers local ones), and places the stop orders that new fills need. Feed the venue first (the paper
    /// exchange matches the candle), then this.
    /// </summary>
    public ValueTask OnBarAsync(OHLCVBar bar, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bar);
        var time = DateTimeOffset.FromUnixTimeMilliseconds(bar.CloseTimeMs + 1);
        return OnPriceAsync(bar.Symbol, bar.High, bar.Low, bar.Close, time, cancellationToken);
    }

    /// <summary>One trade: as <see cref="OnBarAsync"/> for a single price.</summary>
    public ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tick);
        return OnPriceAsync(tick.Symbol, tick.Price, tick.Price, tick.Price, DateTimeOffset.FromUnixTimeMilliseconds(tick.ExchangeTimeMs), cancellationToken);
    }

    /// <summary>A price update between candles (a forming candle, a ticker): marks, breaker, stops, equity.</summary>
    public ValueTask OnPriceAsync(string symbol, double price, DateTimeOffset time, CancellationToken cancellationToken = default) =>
        OnPriceAsync(symbol, price, price, price, time, cancellationToken);

    /// <summary>Acts on a target; see the class remarks for the policy.</summary>
    public async Task<TargetOutcome> ApplyTargetAsync(PositionTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var symbol = target.Symbol;
        var rules = _orders.Rules.Get(symbol);
        if (_orders.Positions.LastPrice(symbol) is not { } price)
        {
            return new TargetOutcome(target, TargetAction.Skipped, "no price for the symbol yet");
        }

        var desired = target.TargetFraction;
        if (desired < 0 && !_orders.Venue.Capabilities.SupportsShortSelling)
        {
            desired = 0;
        }

        var current = _orders.Positions.QuantityOf(symbol);
        if (desired != 0 && Math.Sign(desired) == Math.Sign(current))
        {
            return new TargetOutcome(target, TargetAction.NoChange, "position already in the target direction");
        }

        if (desired == 0 && current == 0)
        {
            return new TargetOutcome(target, TargetAction.NoChange, "already flat");
        }

        if (_orders.GetOpenOrders(symbol).Any(o => !o.Intent.IsProtective))
        {
            return new TargetOutcome(target, TargetAction.Skipped, "an order for the symbol is still open");
        }

        var stamp = target.Time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        OrderIntent intent;
        if (current != 0)
        {
            var quantity = OrderValidator.FloorToStep(Math.Abs(current), rules.StepSize);
            intent = new OrderIntent($"{target.Source}:{symbol}:{stamp}:exit", symbol, current > 0 ? OrderSide.Sell : OrderSide.Buy, OrderType.Market, quantity)
            {
                ReduceOnly = true,
                Source = target.Source,
                Reason = target.Reason,
            };
        }
        else
        {
            var side = desired > 0 ? OrderSide.Buy : OrderSide.Sell;
            var equity = _orders.Positions.Equity;
            var quantity = Math.Abs(desired) * equity / price;
            if (side == OrderSide.Buy && !_orders.Venue.Capabilities.SupportsShortSelling)
            {
                // Spot: an entry is paid in cash; keep a little for the fee and slippage.
                quantity = Math.Min(quantity, Math.Max(0m, _orders.Positions.Cash) * (1 - EntryCashBuffer) / price);
            }
            var plan = _stops.Plan(side, price, rules, target.Atr, target.StopPivot);
            intent = new OrderIntent($"{target.Source}:{symbol}:{stamp}:entry", symbol, side, OrderType.Market, quantity)
            {
                StopLossPrice = plan.StopPrice,
                Source = target.Source,
                Reason = $"{target.Reason}; stop {plan.StopPrice} ({plan.Reason})",
            };
        }

        var decision = _risk.Evaluate(intent, new RiskContext(_orders.Positions.Snapshot(), _orders.GetOpenOrders(), rules, price));
        if (!decision.IsAllowed)
        {
            RiskLog.Decision(_logger, decision.Verdict, intent.IntentId, symbol, intent.Side, intent.Quantity, string.Join("; ", decision.Reasons));
            return new TargetOutcome(target, TargetAction.Denied, string.Join("; ", decision.Reasons), decision);
        }

        string? venueStop = null;
        if (intent.ReduceOnly)
        {
            // A resting stop holds the position on the venue (spot locks the base asset): release it for the exit.
            lock (_gate)
            {
                venueStop = State(symbol).VenueStopOrderId;
            }

            await CancelVenueStopAsync(symbol, venueStop, "exit by target", cancellationToken).ConfigureAwait(false);
        }

        var submission = await _orders.SubmitAsync(decision.Approved!, cancellationToken).ConfigureAwait(false);
        if (venueStop is not null && submission.Order.Status is OrderStatus.Rejected or OrderStatus.Expired or OrderStatus.Canceled)
        {
            lock (_gate)
            {
                _stopWork.Add(symbol); // the exit failed: protect the position again
            }
        }

        return new TargetOutcome(target, TargetAction.Submitted, submission.IsDuplicate ? "duplicate intent: existing order" : submission.Order.StatusReason, decision, submission.Order);
    }

    /// <summary>Places or replaces the stop orders that fills since the last call made necessary.</summary>
    public async ValueTask ProcessStopWorkAsync(CancellationToken cancellationToken = default)
    {
        string[] symbols;
        lock (_gate)
        {
            if (_stopWork.Count == 0)
            {
                return;
            }

            symbols = [.. _stopWork.Order(StringComparer.Ordinal)];
            _stopWork.Clear();
        }

        foreach (var symbol in symbols)
        {
            await SyncStopAsync(symbol, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _subscription.Dispose();

    private ValueTask OnPriceAsync(string symbol, double high, double low, double close, DateTimeOffset time, CancellationToken cancellationToken)
    {
        if (!(close > 0) || !double.IsFinite(close))
        {
            return default;
        }

        var positions = _orders.Positions;
        positions.Mark(symbol, close);

        // The extremes are enough for the circuit breaker: the close lies between them.
        _risk.OnPriceRange(symbol, high, low, time);

        // Fast path (most candles): no stop work queued and no stop armed for the symbol, so nothing can await.
        bool idle;
        lock (_gate)
        {
            idle = _stopWork.Count == 0;
        }

        if (idle && _stops.Get(symbol) is null)
        {
            _risk.OnEquity(positions.Equity, time);
            return default;
        }

        return OnPriceStopsAsync(symbol, high, low, time, cancellationToken);
    }

    /// <summary>The rest of <see cref="OnPriceAsync"/> when stops have work: queued syncs, trailing, triggers.</summary>
    private async ValueTask OnPriceStopsAsync(string symbol, double high, double low, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var positions = _orders.Positions;
        await ProcessStopWorkAsync(cancellationToken).ConfigureAwait(false);
        if (_stops.Get(symbol) is not null && _orders.Rules.TryGet(symbol, out var rules))
        {
            var check = _stops.OnPrice(symbol, high, low, rules);
            if (StopsOnVenue)
            {
                if (check.Moved && !VenueStopInLine(symbol, check.Level!, rules))
                {
                    await SyncStopAsync(symbol, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (check.Triggered)
            {
                await ExitOnLocalStopAsync(symbol, check.Level!, time, cancellationToken).ConfigureAwait(false);
            }
        }

        _risk.OnEquity(positions.Equity, time);
    }

    private void OnOrderUpdate(OrderUpdate update)
    {
        if (update.Fill is null)
        {
            return;
        }

        lock (_gate)
        {
            _stopWork.Add(update.Order.Symbol);
            if (!update.Order.Intent.IsProtective && update.Order.Intent.StopLossPrice is { } stop)
            {
                State(update.Order.Symbol).PlannedStop = stop;
            }
        }
    }

    /// <summary>
    /// True when <see cref="SyncStopAsync"/> would return without a change: the level protects the whole position and
    /// the resting venue stop covers it within the trailing step. Most trailing moves end here; checked without the
    /// allocations of the async path (position record, task).
    /// </summary>
    private bool VenueStopInLine(string symbol, StopLevel level, SymbolRules rules)
    {
        var quantity = _orders.Positions.QuantityOf(symbol);
        if (quantity == 0 || level.PositionQuantity != quantity)
        {
            return false;
        }

        string? venueStop;
        lock (_gate)
        {
            venueStop = _symbols.TryGetValue(symbol, out var state) ? state.VenueStopOrderId : null;
        }

        return venueStop is not null
            && _orders.GetOrder(venueStop) is { IsOpen: true, Intent.StopPrice: { } placed } current
            && current.RemainingQuantity == OrderValidator.FloorToStep(Math.Abs(quantity), rules.StepSize)
            && (placed == level.StopPrice || Math.Abs(level.StopPrice - placed) < placed * _stops.Options.MinTrailStepFraction);
    }

    /// <summary>Brings a symbol's stop (local level and venue order) in line with its position.</summary>
    private async Task SyncStopAsync(string symbol, CancellationToken cancellationToken)
    {
        var position = _orders.Positions.Get(symbol);
        var rules = _orders.Rules.Get(symbol);
        var quantity = position?.Quantity ?? 0m;
        string? venueStop;
        decimal? planned;
        lock (_gate)
        {
            var state = State(symbol);
            venueStop = state.VenueStopOrderId;
            planned = state.PlannedStop;
        }

        if (quantity == 0)
        {
            _stops.Disarm(symbol);
            await CancelVenueStopAsync(symbol, venueStop, "position closed", cancellationToken).ConfigureAwait(false);
            return;
        }

        var level = _stops.Get(symbol);
        if (level is null || Math.Sign(level.PositionQuantity) != Math.Sign(quantity))
        {
            var entry = position!.AverageEntryPrice;
            var isLong = quantity > 0;
            var plan = planned is { } p && (isLong ? p < entry : p > entry)
                ? new StopLossPlan(p, _stops.Options.Mode, "planned with the entry")
                : _stops.Plan(isLong ? OrderSide.Buy : OrderSide.Sell, entry, rules);
            level = _stops.Arm(symbol, quantity, entry, plan);
        }
        else if (level.PositionQuantity != quantity)
        {
            _stops.Resize(symbol, quantity);
            level = _stops.Get(symbol)!;
        }

        if (!StopsOnVenue)
        {
            return;
        }

        var current = venueStop is null ? null : _orders.GetOrder(venueStop);
        var stopQuantity = OrderValidator.FloorToStep(Math.Abs(quantity), rules.StepSize);
        if (current is { IsOpen: true, Intent.StopPrice: { } placed } && current.RemainingQuantity == stopQuantity
            && (placed == level.StopPrice || Math.Abs(level.StopPrice - placed) < placed * _stops.Options.MinTrailStepFraction))
        {
            return; // the resting stop is close enough to the trailing level
        }

        var dust = stopQuantity < rules.MinQuantity || stopQuantity * level.StopPrice < rules.MinNotional;
        var stopSide = quantity > 0 ? OrderSide.Sell : OrderSide.Buy;
        if (!dust && current is { IsOpen: true, FilledQuantity: 0 } && current.Side == stopSide && current.RemainingQuantity == stopQuantity
            && await _orders.AmendStopPriceAsync(current.ClientOrderId, level.StopPrice, "trailing stop", cancellationToken).ConfigureAwait(false))
        {
            // Moved in place (venues that amend): the same protection as cancel and replace, without a new order.
            // The risk check a replacement meets always passes here: a reduce-only stop of the whole position that is
            // not dust (checked above with the same rules).
            return;
        }

        await CancelVenueStopAsync(symbol, venueStop, "stop moved or position changed", cancellationToken).ConfigureAwait(false);
        if (dust)
        {
            return; // dust: no venue accepts an order that small; the local level still watches it
        }

        var intent = new OrderIntent(
            $"stop:{symbol}:{_timeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture)}",
            symbol,
            stopSide,
            OrderType.StopMarket,
            stopQuantity,
            StopPrice: level.StopPrice)
        {
            ReduceOnly = true,
            IsProtective = true,
            Source = "stop-loss",
            Reason = $"stop-loss ({level.Basis}{(level.Trailing ? ", trailing" : string.Empty)})",
        };
        var decision = _risk.Evaluate(intent, new RiskContext(_orders.Positions.Snapshot(), _orders.GetOpenOrders(), rules, _orders.Positions.LastPrice(symbol) ?? level.StopPrice));
        if (!decision.IsAllowed)
        {
            return;
        }

        var submission = await _orders.SubmitAsync(decision.Approved!, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            State(symbol).VenueStopOrderId = submission.Order.IsOpen ? submission.Order.ClientOrderId : null;
        }
    }

    private async Task CancelVenueStopAsync(string symbol, string? clientOrderId, string reason, CancellationToken cancellationToken)
    {
        if (clientOrderId is null)
        {
            return;
        }

        await _orders.CancelAsync(clientOrderId, reason, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var state = State(symbol);
            if (state.VenueStopOrderId == clientOrderId)
            {
                state.VenueStopOrderId = null;
            }
        }
    }

    private async Task ExitOnLocalStopAsync(string symbol, StopLevel level, DateTimeOffset time, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var pending = State(symbol).LocalExitOrderId;
            if (pending is not null && _orders.GetOrder(pending) is { IsOpen: true })
            {
                return; // the exit for this trigger is still working
            }
        }

        var rules = _orders.Rules.Get(symbol);
        var quantity = OrderValidator.FloorToStep(Math.Abs(_orders.Positions.QuantityOf(symbol)), rules.StepSize);
        if (quantity <= 0)
        {
            return;
        }

        var intent = new OrderIntent(
            $"stop-exit:{symbol}:{time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}",
            symbol,
            level.IsLong ? OrderSide.Sell : OrderSide.Buy,
            OrderType.Market,
            quantity)
        {
            ReduceOnly = true,
            IsProtective = true,
            Source = "stop-loss",
            Reason = $"stop {level.StopPrice} hit (watched locally)",
        };
        var decision = _risk.Evaluate(intent, new RiskContext(_orders.Positions.Snapshot(), _orders.GetOpenOrders(), rules, _orders.Positions.LastPrice(symbol) ?? level.StopPrice));
        if (!decision.IsAllowed)
        {
            return;
        }

        var submission = await _orders.SubmitAsync(decision.Approved!, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            State(symbol).LocalExitOrderId = submission.Order.ClientOrderId;
        }
    }

    private SymbolState State(string symbol)
    {
        if (!_symbols.TryGetValue(symbol, out var state))
        {
            state = new SymbolState();
            _symbols[symbol] = state;
        }

        return state;
    }

    private sealed class SymbolState
    {
        public string? VenueStopOrderId;
        public string? LocalExitOrderId;
        public decimal? PlannedStop;
    }
}
