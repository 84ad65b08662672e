using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Alerts;

namespace TradingDashboard.Core.Execution;

/// <summary>Result of <see cref="OrderManager.SubmitAsync"/>: the order (in whatever state it reached) and whether the intent was already known.</summary>
/// <param name="IsDuplicate">True when the intent id had an order already: nothing was sent, <see cref="Order"/> is that order.</param>
public sealed record OrderSubmission(Order Order, bool IsDuplicate);

/// <summary>Published after every order change: the new snapshot, the event, and for fills the fill and the new position.</summary>
public sealed record OrderUpdate(Order Order, OrderEvent Event, Fill? Fill, Position? Position);

/// <summary>What the order manager found when it reconciled with its venue (after a start or on demand).</summary>
public sealed record ReconciliationReport(
    int OrdersChecked,
    int OrdersChanged,
    int FillsRecovered,
    IReadOnlyList<VenueOrder> ForeignOpenOrders,
    IReadOnlyList<string> BalanceMismatches)
{
    /// <summary>
    /// Set on the first Live start (nothing persisted yet): the cash in the account currency taken from the venue's
    /// balances, which replaced the configured starting cash. Null otherwise.
    /// </summary>
    public decimal? StartingCashFromVenue { get; init; }
}

/// <summary>Counts of what the order manager did and refused, for /metrics and the dashboard.</summary>
public sealed record OrderManagerCounters(
    long OrdersCreated,
    long DuplicateIntents,
    long Rejected,
    long FillsApplied,
    long DuplicateFills,
    long IllegalTransitions,
    long UnknownOrderFills,
    long PlacementRetries);

/// <summary>
/// Owns the orders of one venue: turns intents into at most one order each, walks each order through its lifecycle
/// (<see cref="OrderStateMachine"/>), applies fills to the <see cref="PositionBook"/> exactly once, persists every
/// change, and reconciles with the venue after a restart before it lets anything trade.
/// <para>Placement never creates two orders for one intent: the client order id is derived from the intent id; after
/// a transient failure that may have reached the venue, the order is looked up by client order id before it is sent
/// again; the venue refuses a second order with the same client order id.</para>
/// Thread-safe; venue reports may arrive on any thread, before or after the placement call returns.
/// </summary>
public sealed class OrderManager : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IBrokerageApi _venue;
    private readonly PositionBook _positions;
    private readonly SymbolRulesRegistry _rules;
    private readonly IExecutionStore _store;
    private readonly ExecutionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IAlertService? _alerts;
    private readonly IDisposable _venueSubscription;
    private readonly Dictionary<string, Order> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Order> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byIntent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OrderEvent>> _events = new(StringComparer.Ordinal);
    private readonly HashSet<string> _fillIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    private readonly Queue<string> _fillOrder = new();
    private Action<OrderUpdate>[] _subscribers = [];
    private long _sequence;
    private bool _ready;
    private long _created, _duplicateIntents, _rejected, _fillsApplied, _duplicateFills, _illegal, _unknownFills, _retries;

    /// <summary>
    /// Closed orders kept in memory (with their events) before the oldest are dropped; older ones are read from the
    /// store. Keeps a long session's memory flat.
    /// </summary>
    public const int ClosedOrdersInMemory = 10_000;

    /// <summary>Trade ids kept in memory for de-duplication; older ones are checked in the store.</summary>
    public const int FillIdsInMemory = 100_000;

    /// <summary>Store state key recording where the first live start's cash came from.</summary>
    public const string StartingBalancesKey = "execution:starting-balances";

    public OrderManager(
        IBrokerageApi venue,
        PositionBook positions,
        SymbolRulesRegistry rules,
        IExecutionStore store,
        ExecutionOptions options,
        TimeProvider timeProvider,
        ILogger<OrderManager>? logger = null,
        IAlertService? alerts = null)
    {
        ArgumentNullException.ThrowIfNull(venue);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _venue = venue;
        _positions = positions;
        _rules = rules;
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _alerts = alerts;
        _venueSubscription = venue.Subscribe(OnExecutionReport);
    }

    public IBrokerageApi Venue => _venue;

    public PositionBook Positions => _positions;

    public SymbolRulesRegistry Rules => _rules;

    /// <summary>True once <see cref="ReconcileAsync"/> has run; until then nothing is submitted.</summary>
    public bool IsReady
    {
        get
        {
            lock (_gate)
            {
                return _ready;
            }
        }
    }

    public int OpenOrderCount
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    public OrderManagerCounters Counters => new(
        Interlocked.Read(ref _created),
        Interlocked.Read(ref _duplicateIntents),
        Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _fillsApplied),
        Interlocked.Read(ref _duplicateFills),
        Interlocked.Read(ref _illegal),
        Interlocked.Read(ref _unknownFills),
        Interlocked.Read(ref _retries));

    public IDisposable Subscribe(Action<OrderUpdate> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    public Order? GetOrder(string clientOrderId)
    {
        lock (_gate)
        {
            return _orders.TryGetValue(clientOrderId, out var order) ? order : null;
        }
    }

    public Order? GetOrderByIntent(string intentId)
    {
        lock (_gate)
        {
            return _byIntent.TryGetValue(intentId, out var id) ? _orders[id] : _store.FindOrderByIntent(intentId);
        }
    }

    /// <summary>Open orders (New, Submitted, Accepted, PartiallyFilled), oldest first.</summary>
    public IReadOnlyList<Order> GetOpenOrders(string? symbol = null)
    {
        lock (_gate)
        {
            // A loop and one sort instead of LINQ: called for every order and risk check. Client order ids are unique,
            // so the (time, id) order is total and an unstable sort gives the same list.
            var open = new List<Order>(_open.Count);
            foreach (var order in _open.Values)
            {
                if (symbol is null || order.Symbol == symbol)
                {
                    open.Add(order);
                }
            }

            if (open.Count > 1)
            {
                open.Sort(static (a, b) =>
                {
                    var byTime = a.CreatedAt.CompareTo(b.CreatedAt);
                    return byTime != 0 ? byTime : string.CompareOrdinal(a.ClientOrderId, b.ClientOrderId);
                });
            }

            return open;
        }
    }

    /// <summary>Every state change of an order, oldest first (this session's, else the persisted history).</summary>
    public IReadOnlyList<OrderEvent> GetEvents(string clientOrderId)
    {
        lock (_gate)
        {
            if (_events.TryGetValue(clientOrderId, out var events))
            {
                return events.ToList();
            }
        }

        return _store.EventsOf(clientOrderId);
    }

    /// <summary>
    /// Loads the persisted orders, positions and cash, loads the venue's rules for <paramref name="symbols"/>, and
    /// brings every open order up to date with the venue (status, fills missed while down). Must run once before
    /// the first <see cref="SubmitAsync"/>; may run again at any time.
    /// <para>Starting cash when nothing was persisted yet (first start): in Live mode the venue's balance of the
    /// account currency (free plus locked), read before anything trades and persisted, so every later start restores
    /// it from the store and reconciles it with the venue; in Paper mode the book's configured cash
    /// (Paper:InitialCash).</para>
    /// </summary>
    public async Task<ReconciliationReport> ReconcileAsync(IEnumerable<string> symbols, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var snapshot = _store.Load();
        IReadOnlyList<AssetBalance>? venueBalances = null;
        if (snapshot.Cash is null && _options.Mode == TradingMode.Live && !IsReady)
        {
            // First live start: the money is what the account holds, not a configured paper amount. A venue that does
            // not answer fails the reconciliation (retried by the stage) and nothing trades.
            venueBalances = await _venue.GetBalancesAsync(cancellationToken).ConfigureAwait(false);
        }

        decimal? startingCash = null;
        lock (_gate)
        {
            _sequence = Math.Max(_sequence, snapshot.LastSequence);
            foreach (var order in snapshot.OpenOrders)
            {
                if (!_orders.ContainsKey(order.ClientOrderId))
                {
                    Track(order);
                }
            }

            if (!_ready)
            {
                if (snapshot.Cash is { } cash)
                {
                    _positions.Restore(cash, snapshot.Positions);
                }
                else if (venueBalances is not null)
                {
                    var venueCash = 0m;
                    foreach (var balance in venueBalances)
                    {
                        venueCash += string.Equals(balance.Asset, _positions.Currency, StringComparison.Ordinal) ? balance.Total : 0m;
                    }

                    _positions.Restore(venueCash, snapshot.Positions);
                    _store.SaveCash(venueCash);
                    startingCash = venueCash;
                }
                else
                {
                    _store.SaveCash(_positions.Cash);
                }
            }
        }

        if (startingCash is { } started)
        {
            RecordStartingBalances(started, venueBalances!);
        }

        if (!_ready && snapshot.Cash is not null && _venue is PaperExchange paper)
        {
            // The simulated venue keeps no files: give it back the holdings the store remembers.
            paper.SetBalances(HoldingsFromBook());
        }

        var allSymbols = symbols.Concat(snapshot.OpenOrders.Select(o => o.Symbol)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var symbol in allSymbols)
        {
            _rules.Set(await _venue.GetSymbolRulesAsync(symbol, cancellationToken).ConfigureAwait(false));
        }

        var open = GetOpenOrders();
        int changed = 0, recovered = 0;
        foreach (var order in open)
        {
            var remote = await _venue.QueryOrderAsync(order.Symbol, order.ClientOrderId, cancellationToken).ConfigureAwait(false);
            var (didChange, fills) = await SyncWithVenueAsync(order.ClientOrderId, remote, "reconciliation", cancellationToken).ConfigureAwait(false);
            changed += didChange ? 1 : 0;
            recovered += fills;
        }

        var foreign = new List<VenueOrder>();
        foreach (var remote in await _venue.GetOpenOrdersAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (GetOrder(remote.ClientOrderId) is null)
            {
                foreign.Add(remote);
            }
        }

        var mismatches = new List<string>();
        if (_venue is not PaperExchange)
        {
            await CompareBalancesAsync(mismatches, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _ready = true;
        }

        ExecutionLog.Reconciled(_logger, _venue.Name, open.Count, changed, recovered, foreign.Count);
        if (foreign.Count > 0)
        {
            _alerts?.Raise(AlertSeverity.Warning, "Execution", $"{_venue.Name} has {foreign.Count} open orders this system did not place; they are left alone.");
        }

        if (mismatches.Count > 0)
        {
            _alerts?.Raise(AlertSeverity.Warning, "Execution", $"{_venue.Name} balances differ from the local positions: {string.Join("; ", mismatches)}");
        }

        return new ReconciliationReport(open.Count, changed, recovered, foreign, mismatches) { StartingCashFromVenue = startingCash };
    }

    /// <summary>
    /// Creates the order for an intent and sends it, unless the intent already has one (then nothing is sent and the
    /// existing order is returned). Invalid intents become Rejected orders with the reason; they are never sent.
    /// The returned order is Accepted, Rejected, already filling, or Submitted when the venue's answer is still unknown.
    /// </summary>
    public async Task<OrderSubmission> SubmitAsync(OrderIntent intent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(intent);
        if (!IsReady)
        {
            throw new InvalidOperationException("The order manager has not reconciled with its venue yet: call ReconcileAsync first.");
        }

        if (!_rules.TryGet(intent.Symbol, out var rules))
        {
            rules = await _venue.GetSymbolRulesAsync(intent.Symbol, cancellationToken).ConfigureAwait(false);
            _rules.Set(rules);
        }

        Order order;
        List<(Order, OrderEvent)> changes = [];
        lock (_gate)
        {
            if (FindByIntentLocked(intent.IntentId) is { } existing)
            {
                Interlocked.Increment(ref _duplicateIntents);
                ExecutionLog.DuplicateIntent(_logger, intent.IntentId, existing.ClientOrderId);
                return new OrderSubmission(existing, true);
            }

            var clientOrderId = ClientOrderIds.FromIntent(intent.IntentId);
            var check = OrderValidator.Validate(intent, rules, _positions.LastPrice(intent.Symbol));
            var now = _timeProvider.GetUtcNow();
            var createdReason = check.Adjustments.Count == 0 ? "created" : "created; " + string.Join("; ", check.Adjustments);
            order = new Order(clientOrderId, check.Normalized, _venue.Name, OrderStatus.New, 0m, 0m, null, now, now, createdReason);
            var created = new OrderEvent(++_sequence, clientOrderId, null, OrderStatus.New, createdReason, now);
            changes.Add((order, created));
            Interlocked.Increment(ref _created);

            OrderEvent next;
            if (!check.IsValid)
            {
                (order, next) = OrderStateMachine.Transition(order, OrderStatus.Rejected, $"{check.RejectCode}: {check.Reason}", now, ++_sequence);
                Interlocked.Increment(ref _rejected);
            }
            else
            {
                (order, next) = OrderStateMachine.Transition(order, OrderStatus.Submitted, $"sent to {_venue.Name}", now, ++_sequence);
            }

            changes.Add((order, next));
            Track(order);
            var events = EventsOf(order.ClientOrderId);
            events.Add(created);
            events.Add(next);
            _store.SaveOrder(order, [created, next]);
        }

        Publish(changes, null, null);
        if (order.Status == OrderStatus.Rejected)
        {
            return new OrderSubmission(order, false);
        }

        await SendAsync(order, cancellationToken).ConfigureAwait(false);
        return new OrderSubmission(GetOrder(order.ClientOrderId)!, false);
    }

    /// <summary>Asks the venue to cancel an open order. True when it was canceled; false when it was already closed or unknown.</summary>
    public async Task<bool> CancelAsync(string clientOrderId, string reason, CancellationToken cancellationToken = default)
    {
        var order = GetOrder(clientOrderId);
        if (order is null || !order.IsOpen)
        {
            return false;
        }

        CancelOrderResult result;
        try
        {
            result = await _venue.CancelOrderAsync(order.Symbol, clientOrderId, cancellationToken).ConfigureAwait(false);
        }
        catch (VenueUnavailableException ex)
        {
            ExecutionLog.CancelFailed(_logger, clientOrderId, ex.Message);
            return false;
        }

        switch (result.Outcome)
        {
            case CancelOrderOutcome.Canceled:
                Change(clientOrderId, OrderStatus.Canceled, $"canceled: {reason}", _timeProvider.GetUtcNow());
                return true;
            default:
                var remote = await _venue.QueryOrderAsync(order.Symbol, clientOrderId, cancellationToken).ConfigureAwait(false);
                await SyncWithVenueAsync(clientOrderId, remote, $"cancel answered {result.Outcome}", cancellationToken).ConfigureAwait(false);
                return false;
        }
    }

    /// <summary>
    /// Moves an open stop order's trigger price in place where the venue can (<see cref="VenueCapabilities.SupportsStopAmend"/>):
    /// the order keeps its client order id and gets an event "stop moved". Returns false, changing nothing, when the
    /// venue cannot amend, the order is not an open, unfilled stop, the new price would not pass the checks a new
    /// order meets unchanged, or the venue refuses: the caller then cancels and replaces, with the usual outcome.
    /// </summary>
    public async Task<bool> AmendStopPriceAsync(string clientOrderId, decimal stopPrice, string reason, CancellationToken cancellationToken = default)
    {
        if (!_venue.Capabilities.SupportsStopAmend)
        {
            return false;
        }

        var order = GetOrder(clientOrderId);
        if (order is not { IsOpen: true, Type: OrderType.StopMarket or OrderType.StopLimit, FilledQuantity: 0 } || order.Intent.StopPrice == stopPrice
            || !_rules.TryGet(order.Symbol, out var rules))
        {
            return false;
        }

        var amended = order.Intent with { StopPrice = stopPrice };
        var check = OrderValidator.Validate(amended, rules, _positions.LastPrice(order.Symbol));
        if (!check.IsValid || check.Adjustments.Count > 0)
        {
            return false;
        }

        AmendOrderResult result;
        try
        {
            result = await _venue.AmendStopPriceAsync(order.Symbol, clientOrderId, stopPrice, cancellationToken).ConfigureAwait(false);
        }
        catch (VenueUnavailableException ex)
        {
            ExecutionLog.CancelFailed(_logger, clientOrderId, "amend: " + ex.Message);
            return false;
        }

        if (result.Outcome != AmendOrderOutcome.Amended)
        {
            return false;
        }

        List<(Order, OrderEvent)> changes;
        lock (_gate)
        {
            if (!_orders.TryGetValue(clientOrderId, out var current) || !current.IsOpen)
            {
                return true; // closed meanwhile by a venue report; the venue's amend stands
            }

            var now = _timeProvider.GetUtcNow();
            var text = string.Create(CultureInfo.InvariantCulture, $"stop moved to {stopPrice}: {reason}");
            var updated = current with { Intent = current.Intent with { StopPrice = stopPrice }, UpdatedAt = now };
            var e = new OrderEvent(++_sequence, clientOrderId, current.Status, current.Status, text, now);
            Store(updated, e);
            _store.SaveOrder(updated, [e]);
            changes = [(updated, e)];
        }

        Publish(changes, null, null);
        return true;
    }

    /// <summary>Cancels every open order (of one symbol, or all; optionally only those <paramref name="filter"/> accepts). Returns how many were canceled.</summary>
    public async Task<int> CancelAllAsync(string? symbol, string reason, CancellationToken cancellationToken = default, Func<Order, bool>? filter = null)
    {
        var canceled = 0;
        foreach (var order in GetOpenOrders(symbol))
        {
            if (filter is not null && !filter(order))
            {
                continue;
            }

            if (await CancelAsync(order.ClientOrderId, reason, cancellationToken).ConfigureAwait(false))
            {
                canceled++;
            }
        }

        return canceled;
    }

    public void Dispose() => _venueSubscription.Dispose();

    private async Task SendAsync(Order order, CancellationToken cancellationToken)
    {
        var request = VenueOrderRequest.From(order.ClientOrderId, order.Intent);
        var attempts = Math.Max(1, _options.PlacementAttempts);
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, _options.RetryBaseDelayMs));
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            string problem;
            TimeSpan? retryAfter = null;
            try
            {
                var result = await _venue.PlaceOrderAsync(request, cancellationToken).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case PlaceOrderOutcome.Accepted:
                        Accept(order.ClientOrderId, result.VenueOrderId, $"accepted by {_venue.Name}");
                        return;
                    case PlaceOrderOutcome.Rejected:
                        Interlocked.Increment(ref _rejected);
                        Change(order.ClientOrderId, OrderStatus.Rejected, $"{RejectCodes.VenueRejected}: {result.Reason}", _timeProvider.GetUtcNow());
                        return;
                    default:
                        problem = "venue reports a duplicate client order id";
                        break;
                }
            }
            catch (VenueUnavailableException ex)
            {
                problem = ex.Message;
                retryAfter = ex.RetryAfter;
                if (!ex.MayHaveReachedVenue)
                {
                    ExecutionLog.PlacementFailed(_logger, order.ClientOrderId, attempt, attempts, problem);
                    if (attempt < attempts)
                    {
                        Interlocked.Increment(ref _retries);
                        await WaitAsync(delay, retryAfter, cancellationToken).ConfigureAwait(false);
                        delay *= 2;
                    }

                    continue;
                }
            }

            // The order may exist on the venue: look it up by client order id before sending anything again.
            ExecutionLog.PlacementFailed(_logger, order.ClientOrderId, attempt, attempts, problem);
            try
            {
                var remote = await _venue.QueryOrderAsync(order.Symbol, order.ClientOrderId, cancellationToken).ConfigureAwait(false);
                if (remote is not null)
                {
                    await SyncWithVenueAsync(order.ClientOrderId, remote, $"found on {_venue.Name} by client order id after: {problem}", cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            catch (VenueUnavailableException ex)
            {
                ExecutionLog.PlacementFailed(_logger, order.ClientOrderId, attempt, attempts, "lookup failed: " + ex.Message);
            }

            if (attempt < attempts)
            {
                Interlocked.Increment(ref _retries);
                await WaitAsync(delay, retryAfter, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }

        ExecutionLog.OutcomeUnknown(_logger, order.ClientOrderId, attempts);
        _alerts?.Raise(AlertSeverity.Error, "Execution", $"Order {order.ClientOrderId} ({order.Symbol} {order.Side} {order.Quantity}): no answer from {_venue.Name} after {attempts} attempts; it stays Submitted until reconciliation finds it or confirms it does not exist.");
    }

    private Task WaitAsync(TimeSpan delay, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var wait = retryAfter is { } ra && ra > delay ? ra : delay;
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, _timeProvider, cancellationToken);
    }

    /// <summary>Brings a local order in line with the venue's view; returns whether it changed and how many fills were recovered.</summary>
    private async Task<(bool Changed, int FillsRecovered)> SyncWithVenueAsync(string clientOrderId, VenueOrder? remote, string context, CancellationToken cancellationToken)
    {
        var local = GetOrder(clientOrderId);
        if (local is null || !local.IsOpen)
        {
            return (false, 0);
        }

        var now = _timeProvider.GetUtcNow();
        if (remote is null)
        {
            if (local.Status == OrderStatus.Submitted)
            {
                Change(clientOrderId, OrderStatus.Rejected, $"not found on {_venue.Name} ({context}): never placed", now);
                return (true, 0);
            }

            var recoveredFills = await RecoverFillsAsync(local, cancellationToken).ConfigureAwait(false);
            if (GetOrder(clientOrderId) is { IsOpen: true })
            {
                Change(clientOrderId, OrderStatus.Canceled, $"{_venue.Name} no longer knows the order ({context})", now);
            }

            return (true, recoveredFills);
        }

        var changed = false;
        if (remote.Status == OrderStatus.Rejected)
        {
            return (Change(clientOrderId, OrderStatus.Rejected, $"{RejectCodes.VenueRejected} ({context})", now), 0);
        }

        if (local.Status == OrderStatus.Submitted)
        {
            changed |= Accept(clientOrderId, remote.VenueOrderId, context);
        }

        var fills = 0;
        if (remote.FilledQuantity > local.FilledQuantity)
        {
            fills = await RecoverFillsAsync(local, cancellationToken).ConfigureAwait(false);
            changed |= fills > 0;
        }

        if (remote.Status is OrderStatus.Canceled or OrderStatus.Expired && GetOrder(clientOrderId) is { IsOpen: true })
        {
            changed |= Change(clientOrderId, remote.Status, $"{remote.Status} on {_venue.Name} ({context})", now);
        }

        return (changed, fills);
    }

    private async Task<int> RecoverFillsAsync(Order order, CancellationToken cancellationToken)
    {
        var fills = await _venue.GetFillsAsync(order.Symbol, order.CreatedAt.AddMinutes(-1), cancellationToken).ConfigureAwait(false);
        var applied = 0;
        foreach (var fill in fills.Where(f => f.ClientOrderId == order.ClientOrderId).OrderBy(f => f.Time))
        {
            applied += ApplyFill(fill) ? 1 : 0;
        }

        return applied;
    }

    private async Task CompareBalancesAsync(List<string> mismatches, CancellationToken cancellationToken)
    {
        var balances = (await _venue.GetBalancesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(b => b.Asset, b => b.Total, StringComparer.Ordinal);
        foreach (var (asset, local) in HoldingsFromBook())
        {
            var remote = balances.GetValueOrDefault(asset);
            if (remote != local)
            {
                ExecutionLog.BalanceMismatch(_logger, _venue.Name, asset, remote, local);
                mismatches.Add($"{asset}: venue {remote}, local {local}");
            }
        }
    }

    /// <summary>
    /// Logs and persists where the first live start's cash came from. Other assets the account already holds are not
    /// adopted as positions (their entry prices are unknown, so their PnL would be made up): they are logged and left
    /// alone, like open orders this system did not place.
    /// </summary>
    private void RecordStartingBalances(decimal cash, IReadOnlyList<AssetBalance> balances)
    {
        ExecutionLog.StartingCashFromVenue(_logger, _venue.Name, cash, _positions.Currency, _options.Paper.InitialCash);
        var others = new List<string>();
        foreach (var balance in balances)
        {
            if (!string.Equals(balance.Asset, _positions.Currency, StringComparison.Ordinal) && balance.Total != 0)
            {
                ExecutionLog.UnmanagedHolding(_logger, _venue.Name, balance.Asset, balance.Total);
                others.Add(string.Create(CultureInfo.InvariantCulture, $"{balance.Asset} {balance.Total}"));
            }
        }

        var time = _timeProvider.GetUtcNow();
        _store.SetState(StartingBalancesKey, string.Create(CultureInfo.InvariantCulture, $"{time:O} {_venue.Name}: {_positions.Currency} {cash} from the venue's balances (Paper:InitialCash not used)"));
        var alsoHeld = others.Count > 0 ? $" Also held and left alone: {string.Join(", ", others)}." : string.Empty;
        _alerts?.Raise(AlertSeverity.Info, "Execution", string.Create(CultureInfo.InvariantCulture, $"First live start on {_venue.Name}: starting cash {cash} {_positions.Currency} taken from the venue's balances.{alsoHeld}"));
    }

    /// <summary>Holdings implied by the book: cash in the account currency and each position in its base asset.</summary>
    private Dictionary<string, decimal> HoldingsFromBook()
    {
        var snapshot = _positions.Snapshot();
        var holdings = new Dictionary<string, decimal>(StringComparer.Ordinal) { [snapshot.Currency] = snapshot.Cash };
        foreach (var p in snapshot.Positions)
        {
            if (_rules.TryGet(p.Symbol, out var rules))
            {
                holdings[rules.BaseAsset] = holdings.GetValueOrDefault(rules.BaseAsset) + p.Quantity;
            }
        }

        return holdings;
    }

    private void OnExecutionReport(ExecutionReport report)
    {
        if (!string.Equals(report.Venue, _venue.Name, StringComparison.Ordinal))
        {
            return;
        }

        switch (report.Kind)
        {
            case ExecutionReportKind.Fill when report.Fill is not null:
                ApplyFill(report.Fill);
                break;
            case ExecutionReportKind.Accepted:
                Accept(report.ClientOrderId, report.VenueOrderId, report.Reason);
                break;
            case ExecutionReportKind.Canceled:
                Change(report.ClientOrderId, OrderStatus.Canceled, report.Reason, report.Time);
                break;
            case ExecutionReportKind.Expired:
                Change(report.ClientOrderId, OrderStatus.Expired, report.Reason, report.Time);
                break;
            case ExecutionReportKind.Rejected:
                Change(report.ClientOrderId, OrderStatus.Rejected, $"{RejectCodes.VenueRejected}: {report.Reason}", report.Time);
                break;
        }
    }

    /// <summary>Submitted -> Accepted (recording the venue's order id); no-op when the order is already past it.</summary>
    private bool Accept(string clientOrderId, string? venueOrderId, string reason)
    {
        List<(Order, OrderEvent)>? changes = null;
        lock (_gate)
        {
            if (!_orders.TryGetValue(clientOrderId, out var order))
            {
                return false;
            }

            if (venueOrderId is not null && order.VenueOrderId is null)
            {
                order = order with { VenueOrderId = venueOrderId };
                _orders[clientOrderId] = order;
                if (order.IsOpen)
                {
                    _open[clientOrderId] = order;
                }
            }

            if (order.Status == OrderStatus.Submitted)
            {
                var (accepted, e) = OrderStateMachine.Transition(order, OrderStatus.Accepted, reason, _timeProvider.GetUtcNow(), ++_sequence);
                Store(accepted, e);
                _store.SaveOrder(accepted, [e]);
                changes = [(accepted, e)];
            }
            else if (venueOrderId is not null)
            {
                _store.SaveOrder(order, []);
            }
        }

        Publish(changes, null, null);
        return changes is not null;
    }

    /// <summary>Moves an order to a closing status; a repeat of the current status is ignored, an illegal change refused and counted.</summary>
    private bool Change(string clientOrderId, OrderStatus to, string reason, DateTimeOffset time)
    {
        List<(Order, OrderEvent)> changes = [];
        lock (_gate)
        {
            if (!_orders.TryGetValue(clientOrderId, out var order) || order.Status == to)
            {
                return false;
            }

            if (order.Status == OrderStatus.Submitted && to is OrderStatus.Canceled or OrderStatus.Expired)
            {
                // The venue can only cancel or expire what it accepted.
                var (accepted, acceptedEvent) = OrderStateMachine.Transition(order, OrderStatus.Accepted, $"accepted (implied by {to})", time, ++_sequence);
                Store(accepted, acceptedEvent);
                changes.Add((accepted, acceptedEvent));
                order = accepted;
            }

            if (!OrderStateMachine.CanTransition(order.Status, to))
            {
                Interlocked.Increment(ref _illegal);
                ExecutionLog.IllegalTransition(_logger, clientOrderId, order.Status, to, reason);
                return false;
            }

            var (updated, e) = OrderStateMachine.Transition(order, to, reason, time, ++_sequence);
            Store(updated, e);
            changes.Add((updated, e));
            _store.SaveOrder(updated, changes.Select(c => c.Item2).ToList());
        }

        Publish(changes, null, null);
        return true;
    }

    /// <summary>Applies a fill once: order quantities and status, position, cash, persistence. False for a duplicate.</summary>
    private bool ApplyFill(Fill fill)
    {
        List<(Order, OrderEvent)> changes = [];
        Position position;
        Order? order;
        lock (_gate)
        {
            if (_fillIds.Contains(fill.TradeId) || _store.HasFill(fill.TradeId))
            {
                _fillIds.Add(fill.TradeId);
                Interlocked.Increment(ref _duplicateFills);
                ExecutionLog.DuplicateFill(_logger, fill.Venue, fill.TradeId);
                return false;
            }

            if (!_rules.TryGet(fill.Symbol, out var rules))
            {
                ExecutionLog.FillNotApplied(_logger, fill.Venue, fill.TradeId, fill.Symbol, "no trading rules known for the symbol");
                _alerts?.Raise(AlertSeverity.Error, "Execution", $"Fill {fill.TradeId} on {fill.Symbol} could not be applied: no trading rules for the symbol.");
                return false;
            }

            order = _orders.TryGetValue(fill.ClientOrderId, out var known) ? known : _store.FindOrder(fill.ClientOrderId);
            if (order is not null)
            {
                if (!_orders.ContainsKey(order.ClientOrderId))
                {
                    Track(order);
                }

                if (order.Status == OrderStatus.Submitted)
                {
                    var (accepted, e) = OrderStateMachine.Transition(order, OrderStatus.Accepted, "accepted (implied by a fill)", fill.Time, ++_sequence);
                    Store(accepted, e);
                    changes.Add((accepted, e));
                    order = accepted;
                }

                var filled = order.FilledQuantity + fill.Quantity;
                var average = (order.AveragePrice * order.FilledQuantity + fill.Price * fill.Quantity) / filled;
                var withFill = order with { FilledQuantity = filled, AveragePrice = average };
                if (filled > order.Quantity)
                {
                    ExecutionLog.Overfill(_logger, order.ClientOrderId, filled, order.Quantity);
                }

                if (order.IsOpen)
                {
                    var to = filled >= order.Quantity ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
                    var (updated, e) = OrderStateMachine.Transition(withFill, to, $"filled {fill.Quantity} at {fill.Price} ({(fill.IsMaker ? "maker" : "taker")})", fill.Time, ++_sequence, fill.TradeId);
                    Store(updated, e);
                    changes.Add((updated, e));
                    order = updated;
                }
                else
                {
                    // A real venue can fill an order while its cancel is in flight: the fill is a fact and counts.
                    ExecutionLog.LateFill(_logger, order.ClientOrderId, fill.TradeId, order.Status);
                    order = withFill;
                    _orders[order.ClientOrderId] = order;
                }
            }
            else
            {
                Interlocked.Increment(ref _unknownFills);
                ExecutionLog.UnknownOrderFill(_logger, fill.Venue, fill.TradeId, fill.ClientOrderId, fill.Symbol);
            }

            position = _positions.Apply(fill, rules);
            _fillIds.Add(fill.TradeId);
            _fillOrder.Enqueue(fill.TradeId);
            if (_fillOrder.Count > FillIdsInMemory)
            {
                _fillIds.Remove(_fillOrder.Dequeue());
            }

            Interlocked.Increment(ref _fillsApplied);
            _store.SaveFill(fill, order, changes.Select(c => c.Item2).ToList(), position, _positions.Cash);
        }

        if (changes.Count == 0 && order is not null)
        {
            // A late fill on a closed order: publish it with the order's last event so listeners see the fill.
            var last = GetEvents(order.ClientOrderId)[^1];
            Publish([(order, last)], fill, position);
        }
        else
        {
            Publish(changes, fill, position);
        }

        return true;
    }

    private Order? FindByIntentLocked(string intentId)
    {
        if (_byIntent.TryGetValue(intentId, out var id))
        {
            return _orders[id];
        }

        var stored = _store.FindOrderByIntent(intentId);
        if (stored is not null)
        {
            Track(stored);
        }

        return stored;
    }

    private void Track(Order order)
    {
        var known = _orders.ContainsKey(order.ClientOrderId);
        _orders[order.ClientOrderId] = order;
        _byIntent[order.IntentId] = order.ClientOrderId;
        if (order.IsOpen)
        {
            _open[order.ClientOrderId] = order;
            return;
        }

        if (_open.Remove(order.ClientOrderId) || !known)
        {
            _closedOrder.Enqueue(order.ClientOrderId);
        }

        while (_closedOrder.Count > ClosedOrdersInMemory)
        {
            var old = _closedOrder.Dequeue();
            if (_orders.Remove(old, out var evicted))
            {
                _byIntent.Remove(evicted.IntentId);
            }

            _events.Remove(old);
        }
    }

    private void Store(Order order, OrderEvent e)
    {
        Track(order);
        EventsOf(order.ClientOrderId).Add(e);
        ExecutionLog.OrderChanged(_logger, order.ClientOrderId, order.Symbol, order.Side, order.Type, order.Quantity, e.From, e.To, e.Reason);
    }

    /// <summary>The order's event list, created on first use (events are appended one by one: no params arrays per change).</summary>
    private List<OrderEvent> EventsOf(string clientOrderId)
    {
        if (!_events.TryGetValue(clientOrderId, out var list))
        {
            list = new List<OrderEvent>(4);
            _events[clientOrderId] = list;
        }

        return list;
    }

    private void Publish(List<(Order Order, OrderEvent Event)>? changes, Fill? fill, Position? position)
    {
        if (changes is null || changes.Count == 0)
        {
            return;
        }

        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0)
        {
            return;
        }

        for (var i = 0; i < changes.Count; i++)
        {
            var last = i == changes.Count - 1;
            var update = new OrderUpdate(changes[i].Order, changes[i].Event, last ? fill : null, last ? position : null);
            foreach (var subscriber in subscribers)
            {
                subscriber(update);
            }
        }
    }

    private sealed class Subscription(OrderManager owner, Action<OrderUpdate> handler) : IDisposable
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
