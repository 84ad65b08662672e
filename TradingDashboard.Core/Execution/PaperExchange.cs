using System.Globalization;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// The simulated venue, the default: the same <see cref="IBrokerageApi"/> as the real venues, matching our orders
/// against trades (<see cref="OnTrade"/>) or closed candles (<see cref="OnBar"/>). Deterministic: the same orders and
/// market data give the same fills, ids and fees.
/// <para>Matching rules (a trade is treated as a candle whose open, high, low and close are the trade price):</para>
/// <list type="bullet">
/// <item>Latency: an order matches only market data from placement time + LatencyMs on; a candle takes part when its
/// close time is at or after that moment. Acceptance is immediate (the return value); cancels take effect at once.</item>
/// <item>Arrival: the first candle an order meets prices its arrival at the candle's open. Market orders, triggered
/// stop-market orders and limit orders marketable at arrival (buy: open &lt;= limit) fill as taker at the open.</item>
/// <item>Resting limit orders fill as maker at their limit price only when the market trades through it (buy: low &lt;
/// limit; sell: high &gt; limit). Touching the price is not enough: queue position is unknown.</item>
/// <item>Stops trigger when the high reaches a buy stop (the low a sell stop); the trigger price is the open when the
/// candle opened beyond the stop (a gap), else the stop. A stop-limit whose limit is marketable at the trigger price
/// fills there as taker, otherwise it rests as a limit order from the next candle on.</item>
/// <item>Volume: all our fills in one candle or trade together take at most MaxVolumeParticipation of its volume,
/// first placed first served; the rest waits for later data (GTC), or is expired (IOC). FOK fills completely at
/// arrival or expires without a fill.</item>
/// <item>Slippage (taker fills only): price x (1 ± (SlippageBps + SizeImpactBps x fill quantity / volume) / 10000),
/// against us, rounded to the tick against us, never beyond a limit price.</item>
/// <item>Fees: rate x quantity x price in the quote asset (maker or taker rate), rounded to 8 decimals, away from zero.</item>
/// <item>Balances: spot rules. Placement needs free balance (balance minus what other open orders hold); a fill that
/// the balance cannot pay at the fill price is reduced to what it can pay, or the order expires.</item>
/// <item>When trades were matched inside a candle's time span, that candle is not matched again (no double fills when
/// both feeds are given).</item>
/// </list>
/// Trade ids are "{clientOrderId}-{n}" (n-th fill of the order), so they stay unique across restarts.
/// </summary>
public sealed class PaperExchange : IBrokerageApi
{
    public const string DefaultName = "Paper";

    private readonly Lock _gate = new();
    private readonly PaperExchangeOptions _options;
    private readonly SymbolRulesRegistry _rules;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, SymbolBook> _books = new(StringComparer.Ordinal);
    private readonly Processing.RecentByReference<SymbolBook> _recentBooks = new();
    private readonly Dictionary<string, PaperOrder> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, decimal> _balances = new(StringComparer.Ordinal);
    private readonly List<Fill> _fills = [];
    private Action<ExecutionReport>[] _subscribers = [];
    private long _orderSequence;

    public PaperExchange(PaperExchangeOptions options, SymbolRulesRegistry rules, string accountCurrency, TimeProvider timeProvider, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountCurrency);
        _options = options;
        _rules = rules;
        _timeProvider = timeProvider;
        Name = name;
        _balances[accountCurrency] = options.InitialCash;
        Capabilities = new VenueCapabilities(SupportsStopMarket: true, SupportsStopLimit: true, SupportsShortSelling: options.AllowShortSelling)
        {
            SupportsStopAmend = options.AmendStopOrders,
        };
    }

    public string Name { get; }

    public VenueCapabilities Capabilities { get; }

    /// <summary>Number of orders currently open on the simulated book.</summary>
    public int OpenOrderCount
    {
        get
        {
            lock (_gate)
            {
                var count = 0;
                foreach (var book in _books.Values)
                {
                    count += book.Open.Count;
                }

                return count;
            }
        }
    }

    /// <summary>Sets balances, e.g. from the persisted positions after a restart (the simulation itself keeps no files).</summary>
    public void SetBalances(IReadOnlyDictionary<string, decimal> balances)
    {
        ArgumentNullException.ThrowIfNull(balances);
        lock (_gate)
        {
            _balances.Clear();
            foreach (var (asset, amount) in balances)
            {
                _balances[asset] = amount;
            }
        }
    }

    public decimal BalanceOf(string asset)
    {
        lock (_gate)
        {
            return _balances.GetValueOrDefault(asset);
        }
    }

    public ValueTask<SymbolRules> GetSymbolRulesAsync(string symbol, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_rules.Get(symbol));

    public ValueTask<PlaceOrderResult> PlaceOrderAsync(VenueOrderRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            return ValueTask.FromResult(Place(request));
        }
    }

    public ValueTask<CancelOrderResult> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_orders.TryGetValue(clientOrderId, out var order) || order.Request.Symbol != symbol)
            {
                return ValueTask.FromResult(new CancelOrderResult(CancelOrderOutcome.NotFound, "unknown order"));
            }

            if (order.Status.IsTerminal())
            {
                return ValueTask.FromResult(new CancelOrderResult(CancelOrderOutcome.AlreadyClosed, $"order is {order.Status}"));
            }

            order.Status = OrderStatus.Canceled;
            order.UpdatedAt = _timeProvider.GetUtcNow();
            _books[symbol].Open.Remove(order);
            return ValueTask.FromResult(new CancelOrderResult(CancelOrderOutcome.Canceled, "canceled"));
        }
    }

    /// <summary>
    /// Moves an open stop's trigger in place. It meets the checks a new order with that price would (filters, free
    /// balance without its own hold), waits LatencyMs again and goes to the back of the symbol's queue, exactly as a
    /// cancel and replace at this moment would; only the client and venue order ids stay. Triggered or part-filled
    /// stops are refused (cancel and replace them).
    /// </summary>
    public ValueTask<AmendOrderResult> AmendStopPriceAsync(string symbol, string clientOrderId, decimal stopPrice, CancellationToken cancellationToken = default)
    {
        if (!_options.AmendStopOrders)
        {
            return ValueTask.FromResult(AmendOrderResult.NotSupported);
        }

        lock (_gate)
        {
            return ValueTask.FromResult(Amend(symbol, clientOrderId, stopPrice));
        }
    }

    public ValueTask<VenueOrder?> QueryOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_orders.TryGetValue(clientOrderId, out var order) && order.Request.Symbol == symbol ? order.ToVenueOrder() : null);
        }
    }

    public ValueTask<IReadOnlyList<VenueOrder>> GetOpenOrdersAsync(string? symbol, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<VenueOrder> open = _books
                .Where(b => symbol is null || b.Key == symbol)
                .OrderBy(b => b.Key, StringComparer.Ordinal)
                .SelectMany(b => b.Value.Open)
                .Select(o => o.ToVenueOrder())
                .ToList();
            return ValueTask.FromResult(open);
        }
    }

    public ValueTask<IReadOnlyList<AssetBalance>> GetBalancesAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<AssetBalance> balances = _balances
                .OrderBy(b => b.Key, StringComparer.Ordinal)
                .Select(b =>
                {
                    var locked = Math.Min(b.Value, Reserved(b.Key, except: null));
                    return new AssetBalance(b.Key, b.Value - locked, locked);
                })
                .ToList();
            return ValueTask.FromResult(balances);
        }
    }

    public ValueTask<IReadOnlyList<Fill>> GetFillsAsync(string symbol, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Fill> fills = _fills.Where(f => f.Symbol == symbol && f.Time >= since).ToList();
            return ValueTask.FromResult(fills);
        }
    }

    public IDisposable Subscribe(Action<ExecutionReport> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>Matches open orders of the trade's symbol against one trade.</summary>
    public void OnTrade(MarketTick tick)
    {
        ArgumentNullException.ThrowIfNull(tick);
        if (!(tick.Price > 0) || !double.IsFinite(tick.Price) || !(tick.Quantity >= 0))
        {
            return;
        }

        List<ExecutionReport>? reports = null;
        lock (_gate)
        {
            var book = Book(tick.Symbol);
            book.LastPrice = tick.Price;
            book.LastTradeTimeMs = Math.Max(book.LastTradeTimeMs, tick.ExchangeTimeMs);
            if (book.Open.Count > 0)
            {
                var price = ToDecimal(tick.Price);
                reports = Match(book, new MarketEvent(price, price, price, price, ToDecimal(tick.Quantity), tick.ExchangeTimeMs, tick.ExchangeTimeMs));
            }
        }

        Publish(reports);
    }

    /// <summary>
    /// Matches open orders of the candle's symbol against one closed candle. Forming candles only update the last
    /// price: they are not final and would fill twice.
    /// </summary>
    public void OnBar(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        List<ExecutionReport>? reports = null;
        lock (_gate)
        {
            var book = Book(bar.Symbol);
            book.LastPrice = bar.Close;
            if (!bar.IsClosed || book.Open.Count == 0 || book.LastTradeTimeMs >= bar.OpenTimeMs || OnlyStopsOutOfReach(book, bar.High, bar.Low))
            {
                return;
            }

            reports = Match(book, new MarketEvent(ToDecimal(bar.Open), ToDecimal(bar.High), ToDecimal(bar.Low), ToDecimal(bar.Close), ToDecimal(bar.Volume), bar.OpenTimeMs, bar.CloseTimeMs));
        }

        Publish(reports);
    }

    private static decimal ToDecimal(double value) => (decimal)value;

    /// <summary>
    /// True when every open order is a stop that this candle does not reach, so matching would change nothing (the
    /// common case while a position rests behind its stop). Checked in doubles with a margin far above the rounding
    /// of the decimal conversion, which is skipped; anything near a trigger goes through the decimal matching.
    /// </summary>
    private static bool OnlyStopsOutOfReach(SymbolBook book, double high, double low)
    {
        const double margin = 1e-9;
        foreach (var order in book.Open)
        {
            var r = order.Request;
            if (r.Type is not (OrderType.StopMarket or OrderType.StopLimit) || order.Triggered || r.StopPrice is not { } stopPrice)
            {
                return false;
            }

            var stop = (double)stopPrice;
            var reached = r.Side == OrderSide.Buy ? !(high < stop * (1 - margin)) : !(low > stop * (1 + margin));
            if (reached)
            {
                return false;
            }
        }

        return true;
    }

    private SymbolBook Book(string symbol)
    {
        if (_recentBooks.TryGet(symbol, out var book))
        {
            return book;
        }

        if (!_books.TryGetValue(symbol, out book))
        {
            book = new SymbolBook();
            _books[symbol] = book;
        }

        _recentBooks.Remember(symbol, book);
        return book;
    }

    private PlaceOrderResult Place(VenueOrderRequest request)
    {
        if (_orders.ContainsKey(request.ClientOrderId))
        {
            return PlaceOrderResult.Duplicate();
        }

        if (!_rules.TryGet(request.Symbol, out var rules))
        {
            return PlaceOrderResult.Rejected($"{RejectCodes.UnknownSymbol}: {request.Symbol} is not traded here");
        }

        var book = Book(request.Symbol);
        decimal? last = book.LastPrice > 0 ? ToDecimal(book.LastPrice) : null;
        var intent = new OrderIntent(request.ClientOrderId, request.Symbol, request.Side, request.Type, request.Quantity, request.LimitPrice, request.StopPrice, request.TimeInForce);
        var check = OrderValidator.Validate(intent, rules, last);
        if (!check.IsValid)
        {
            return PlaceOrderResult.Rejected($"{check.RejectCode}: {check.Reason}");
        }

        if (check.Adjustments.Count > 0)
        {
            return PlaceOrderResult.Rejected($"{RejectCodes.InvalidOrder}: filter failure: {string.Join("; ", check.Adjustments)}");
        }

        var estimate = request.LimitPrice ?? request.StopPrice ?? last;
        if (estimate is not { } price)
        {
            return PlaceOrderResult.Rejected($"{RejectCodes.NoReferencePrice}: no market price yet for {request.Symbol}");
        }

        if (request.Side == OrderSide.Buy)
        {
            var needed = request.Quantity * price * (1 + _options.TakerFeeRate);
            var free = _balances.GetValueOrDefault(rules.QuoteAsset) - Reserved(rules.QuoteAsset, except: null);
            if (needed > free)
            {
                return PlaceOrderResult.Rejected($"{RejectCodes.InsufficientBalance}: needs {needed} {rules.QuoteAsset}, free {free}");
            }
        }
        else if (!_options.AllowShortSelling)
        {
            var free = _balances.GetValueOrDefault(rules.BaseAsset) - Reserved(rules.BaseAsset, except: null);
            if (request.Quantity > free)
            {
                return PlaceOrderResult.Rejected($"{RejectCodes.InsufficientBalance}: needs {request.Quantity} {rules.BaseAsset}, free {free}");
            }
        }

        var now = _timeProvider.GetUtcNow();
        var order = new PaperOrder(request, rules, "P" + (++_orderSequence).ToString(CultureInfo.InvariantCulture), now, now.ToUnixTimeMilliseconds() + _options.LatencyMs);
        _orders.Add(request.ClientOrderId, order);
        book.Open.Add(order);
        return PlaceOrderResult.Accepted(order.VenueOrderId);
    }

    private AmendOrderResult Amend(string symbol, string clientOrderId, decimal stopPrice)
    {
        if (!_orders.TryGetValue(clientOrderId, out var order) || order.Request.Symbol != symbol)
        {
            return new AmendOrderResult(AmendOrderOutcome.NotFound, "unknown order");
        }

        if (order.Status.IsTerminal())
        {
            return new AmendOrderResult(AmendOrderOutcome.AlreadyClosed, $"order is {order.Status}");
        }

        var r = order.Request;
        if (r.Type is not (OrderType.StopMarket or OrderType.StopLimit) || order.Triggered || order.Filled > 0)
        {
            return new AmendOrderResult(AmendOrderOutcome.Rejected, "only an untriggered, unfilled stop order can be amended");
        }

        var book = Book(symbol);
        decimal? last = book.LastPrice > 0 ? ToDecimal(book.LastPrice) : null;
        var intent = new OrderIntent(clientOrderId, symbol, r.Side, r.Type, r.Quantity, r.LimitPrice, stopPrice, r.TimeInForce);
        var check = OrderValidator.Validate(intent, order.Rules, last);
        if (!check.IsValid || check.Adjustments.Count > 0)
        {
            return new AmendOrderResult(AmendOrderOutcome.Rejected, check.IsValid ? $"{RejectCodes.InvalidOrder}: filter failure: {string.Join("; ", check.Adjustments)}" : $"{check.RejectCode}: {check.Reason}");
        }

        var rules = order.Rules;
        if (r.Side == OrderSide.Buy)
        {
            var needed = r.Quantity * (r.LimitPrice ?? stopPrice) * (1 + _options.TakerFeeRate);
            var free = _balances.GetValueOrDefault(rules.QuoteAsset) - Reserved(rules.QuoteAsset, except: order);
            if (needed > free)
            {
                return new AmendOrderResult(AmendOrderOutcome.Rejected, $"{RejectCodes.InsufficientBalance}: needs {needed} {rules.QuoteAsset}, free {free}");
            }
        }
        else if (!_options.AllowShortSelling)
        {
            var free = _balances.GetValueOrDefault(rules.BaseAsset) - Reserved(rules.BaseAsset, except: order);
            if (r.Quantity > free)
            {
                return new AmendOrderResult(AmendOrderOutcome.Rejected, $"{RejectCodes.InsufficientBalance}: needs {r.Quantity} {rules.BaseAsset}, free {free}");
            }
        }

        var now = _timeProvider.GetUtcNow();
        order.Request = r with { StopPrice = stopPrice };
        order.EligibleAtMs = now.ToUnixTimeMilliseconds() + _options.LatencyMs;
        order.Active = false;
        order.UpdatedAt = now;
        book.Open.Remove(order);
        book.Open.Add(order);
        return new AmendOrderResult(AmendOrderOutcome.Amended, "amended");
    }

    /// <summary>What open orders hold of an asset: quote for buys (at limit, stop or last price, plus taker fee), base for sells.</summary>
    private decimal Reserved(string asset, PaperOrder? except)
    {
        decimal reserved = 0;
        foreach (var book in _books.Values)
        {
            foreach (var order in book.Open)
            {
                if (ReferenceEquals(order, except))
                {
                    continue;
                }

                var r = order.Request;
                if (r.Side == OrderSide.Buy && order.Rules.QuoteAsset == asset)
                {
                    var price = r.LimitPrice ?? r.StopPrice ?? (book.LastPrice > 0 ? ToDecimal(book.LastPrice) : 0m);
                    reserved += order.Remaining * price * (1 + _options.TakerFeeRate);
                }
                else if (r.Side == OrderSide.Sell && order.Rules.BaseAsset == asset && !_options.AllowShortSelling)
                {
                    reserved += order.Remaining;
                }
            }
        }

        return reserved;
    }

    private List<ExecutionReport>? Match(SymbolBook book, MarketEvent e)
    {
        List<ExecutionReport>? reports = null;
        var capacity = _options.MaxVolumeParticipation * e.Volume;
        var anyClosed = false;
        foreach (var order in book.Open)
        {
            if (order.EligibleAtMs > e.EndMs)
            {
                continue;
            }

            MatchOne(order, e, ref capacity, ref reports);
            anyClosed |= order.Status.IsTerminal();
        }

        if (anyClosed)
        {
            book.Open.RemoveAll(o => o.Status.IsTerminal());
        }

        return reports;
    }

    private void MatchOne(PaperOrder order, MarketEvent e, ref decimal capacity, ref List<ExecutionReport>? reports)
    {
        var r = order.Request;
        var buy = r.Side == OrderSide.Buy;
        var arrival = !order.Active;
        decimal? takerPrice = null;
        decimal? makerPrice = null;

        if (r.Type is OrderType.StopMarket or OrderType.StopLimit && !order.Triggered)
        {
            var stop = r.StopPrice!.Value;
            var hit = buy ? e.High >= stop : e.Low <= stop;
            if (!hit)
            {
                return;
            }

            order.Triggered = true;
            var triggerPrice = buy ? (e.Open >= stop ? e.Open : stop) : (e.Open <= stop ? e.Open : stop);
            if (r.Type == OrderType.StopMarket)
            {
                takerPrice = triggerPrice;
            }
            else
            {
                var limit = r.LimitPrice!.Value;
                if (buy ? triggerPrice <= limit : triggerPrice >= limit)
                {
                    takerPrice = triggerPrice;
                }
                else
                {
                    // Not marketable at the trigger: rests as a limit order from the next candle on.
                    order.Active = true;
                    ApplyTimeInForceAfterNoFill(order, e, ref reports);
                    return;
                }
            }

            arrival = true;
        }
        else if (r.Type is OrderType.Market || r.Type is OrderType.StopMarket)
        {
            takerPrice = e.Open;
        }
        else
        {
            var limit = r.LimitPrice!.Value;
            if (arrival && (buy ? e.Open <= limit : e.Open >= limit))
            {
                takerPrice = e.Open;
            }
            else if (!(arrival && r.TimeInForce != TimeInForce.Gtc) && (buy ? e.Low < limit : e.High > limit))
            {
                // IOC and FOK never rest, so they cannot be filled later in the candle as maker.
                makerPrice = limit;
            }
        }

        order.Active = true;
        if (takerPrice is null && makerPrice is null)
        {
            if (arrival)
            {
                ApplyTimeInForceAfterNoFill(order, e, ref reports);
            }

            return;
        }

        var step = order.Rules.StepSize;
        var quantity = OrderValidator.FloorToStep(Math.Min(order.Remaining, Math.Max(0m, capacity)), step);
        if (arrival && r.TimeInForce == TimeInForce.Fok && quantity < order.Remaining)
        {
            Expire(order, e, $"FOK: only {quantity} of {order.Remaining} available at arrival", ref reports);
            return;
        }

        var isMaker = makerPrice is not null;
        decimal price;
        if (isMaker)
        {
            price = makerPrice!.Value;
        }
        else
        {
            var participation = e.Volume > 0 ? quantity / e.Volume : 1m;
            var slip = (_options.SlippageBps + _options.SizeImpactBps * participation) / 10_000m;
            price = buy
                ? OrderValidator.RoundPrice(takerPrice!.Value * (1 + slip), order.Rules.TickSize, OrderSide.Sell)
                : OrderValidator.RoundPrice(takerPrice!.Value * (1 - slip), order.Rules.TickSize, OrderSide.Buy);
            if (r.LimitPrice is { } cap)
            {
                price = buy ? Math.Min(price, cap) : Math.Max(price, cap);
            }
        }

        var feeRate = isMaker ? _options.MakerFeeRate : _options.TakerFeeRate;
        quantity = Affordable(order, quantity, price, feeRate);
        if (quantity <= 0)
        {
            if (order.Remaining > 0 && capacity >= step && Affordable(order, step, price, feeRate) <= 0)
            {
                Expire(order, e, $"{RejectCodes.InsufficientBalance}: balance cannot pay a fill at {price}", ref reports);
                return;
            }

            if (arrival)
            {
                ApplyTimeInForceAfterNoFill(order, e, ref reports);
            }

            return;
        }

        capacity -= quantity;
        var fee = decimal.Round(quantity * price * feeRate, 8, MidpointRounding.AwayFromZero);
        var rules = order.Rules;
        if (buy)
        {
            _balances[rules.QuoteAsset] = _balances.GetValueOrDefault(rules.QuoteAsset) - quantity * price - fee;
            _balances[rules.BaseAsset] = _balances.GetValueOrDefault(rules.BaseAsset) + quantity;
        }
        else
        {
            _balances[rules.BaseAsset] = _balances.GetValueOrDefault(rules.BaseAsset) - quantity;
            _balances[rules.QuoteAsset] = _balances.GetValueOrDefault(rules.QuoteAsset) + quantity * price - fee;
        }

        order.Filled += quantity;
        order.FillCount++;
        var time = DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(order.EligibleAtMs, e.StartMs));
        order.UpdatedAt = time;
        order.Status = order.Remaining == 0 ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
        var fill = new Fill(Name, r.ClientOrderId + "-" + order.FillCount.ToString(CultureInfo.InvariantCulture), r.ClientOrderId, r.Symbol, r.Side, quantity, price, fee, rules.QuoteAsset, isMaker, time);
        _fills.Add(fill);
        (reports ??= []).Add(new ExecutionReport(Name, r.ClientOrderId, ExecutionReportKind.Fill, time, isMaker ? "maker fill" : "taker fill", order.VenueOrderId, fill));

        if (order.Remaining > 0 && arrival && r.TimeInForce == TimeInForce.Ioc)
        {
            Expire(order, e, $"IOC: {order.Remaining} unfilled at arrival", ref reports);
        }
    }

    /// <summary>Largest quantity (to the step) the balance pays at this price; spot rules.</summary>
    private decimal Affordable(PaperOrder order, decimal quantity, decimal price, decimal feeRate)
    {
        var rules = order.Rules;
        if (order.Request.Side == OrderSide.Buy)
        {
            var cash = _balances.GetValueOrDefault(rules.QuoteAsset);
            if (quantity * price * (1 + feeRate) <= cash)
            {
                return quantity;
            }

            return OrderValidator.FloorToStep(Math.Max(0m, cash / (price * (1 + feeRate))), rules.StepSize);
        }

        if (_options.AllowShortSelling)
        {
            return quantity;
        }

        return Math.Min(quantity, OrderValidator.FloorToStep(Math.Max(0m, _balances.GetValueOrDefault(rules.BaseAsset)), rules.StepSize));
    }

    private void ApplyTimeInForceAfterNoFill(PaperOrder order, MarketEvent e, ref List<ExecutionReport>? reports)
    {
        if (order.Request.TimeInForce is TimeInForce.Ioc or TimeInForce.Fok)
        {
            Expire(order, e, $"{order.Request.TimeInForce}: nothing filled at arrival", ref reports);
        }
    }

    private void Expire(PaperOrder order, MarketEvent e, string reason, ref List<ExecutionReport>? reports)
    {
        order.Status = OrderStatus.Expired;
        var time = DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(order.EligibleAtMs, e.StartMs));
        order.UpdatedAt = time;
        (reports ??= []).Add(new ExecutionReport(Name, order.Request.ClientOrderId, ExecutionReportKind.Expired, time, reason, order.VenueOrderId));
    }

    private void Publish(List<ExecutionReport>? reports)
    {
        if (reports is null)
        {
            return;
        }

        var subscribers = Volatile.Read(ref _subscribers);
        foreach (var report in reports)
        {
            foreach (var subscriber in subscribers)
            {
                subscriber(report);
            }
        }
    }

    private readonly record struct MarketEvent(decimal Open, decimal High, decimal Low, decimal Close, decimal Volume, long StartMs, long EndMs);

    private sealed class SymbolBook
    {
        public readonly List<PaperOrder> Open = [];
        public double LastPrice;
        public long LastTradeTimeMs = long.MinValue;
    }

    private sealed class PaperOrder(VenueOrderRequest request, SymbolRules rules, string venueOrderId, DateTimeOffset placedAt, long eligibleAtMs)
    {
        public VenueOrderRequest Request { get; set; } = request;

        public SymbolRules Rules { get; } = rules;

        public string VenueOrderId { get; } = venueOrderId;

        public long EligibleAtMs { get; set; } = eligibleAtMs;

        public OrderStatus Status { get; set; } = OrderStatus.Accepted;

        public decimal Filled { get; set; }

        public int FillCount { get; set; }

        /// <summary>Has met its first market data (arrival) or, for stops, has been triggered and met it.</summary>
        public bool Active { get; set; }

        public bool Triggered { get; set; }

        public DateTimeOffset UpdatedAt { get; set; } = placedAt;

        public decimal Remaining => Request.Quantity - Filled;

        public VenueOrder ToVenueOrder() =>
            new(Request.ClientOrderId, VenueOrderId, Request.Symbol, Request.Side, Request.Type, Request.Quantity, Request.LimitPrice, Request.StopPrice, Status, Filled, UpdatedAt);
    }

    private sealed class Subscription(PaperExchange owner, Action<ExecutionReport> handler) : IDisposable
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
