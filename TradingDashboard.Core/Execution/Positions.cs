namespace TradingDashboard.Core.Execution;

/// <summary>
/// One symbol's position, marked at the latest price. Quantity is signed (+ long, - short) in the base asset; money
/// is in the quote asset, which is the account currency.
/// </summary>
/// <param name="AverageEntryPrice">Quantity-weighted entry price of the open quantity; 0 when flat.</param>
/// <param name="RealizedPnl">Closed PnL net of all fees converted to the quote asset (see <see cref="PositionBook"/>).</param>
/// <param name="FeesPaid">Fees in the quote asset: quote-asset fees as charged, base-asset fees valued at the fill price.</param>
/// <param name="MarkPrice">Latest price seen (0 when none yet).</param>
/// <param name="Turnover">Sum of |quantity x price| of all fills.</param>
public sealed record Position(
    string Symbol,
    decimal Quantity,
    decimal AverageEntryPrice,
    decimal RealizedPnl,
    decimal FeesPaid,
    decimal MarkPrice,
    decimal Turnover,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Fees by the asset they were charged in, as charged (not converted).</summary>
    public IReadOnlyDictionary<string, decimal> FeesByAsset { get; init; } = new Dictionary<string, decimal>();

    /// <summary>True when some fee was charged in a third asset (e.g. BNB) and is not in <see cref="RealizedPnl"/>.</summary>
    public bool HasUnconvertedFees { get; init; }

    public decimal UnrealizedPnl => Quantity == 0 || MarkPrice == 0 ? 0m : Quantity * (MarkPrice - AverageEntryPrice);

    /// <summary>Signed market value at the mark price.</summary>
    public decimal Notional => Quantity * MarkPrice;

    public bool IsFlat => Quantity == 0;
}

/// <summary>Account-wide totals and every position, at one moment.</summary>
/// <param name="Equity">Cash plus the market value of all positions.</param>
/// <param name="GrossExposure">Sum of |position value|.</param>
/// <param name="NetExposure">Sum of signed position values.</param>
public sealed record PortfolioSnapshot(
    DateTimeOffset Time,
    string Currency,
    decimal Cash,
    decimal Equity,
    decimal RealizedPnl,
    decimal UnrealizedPnl,
    decimal FeesPaid,
    decimal GrossExposure,
    decimal NetExposure,
    IReadOnlyList<Position> Positions)
{
    public decimal Leverage => Equity > 0 ? GrossExposure / Equity : 0m;
}

/// <summary>
/// Positions, cash and PnL from fills. Thread-safe. Accounting rules:
/// <list type="bullet">
/// <item>Buying adds to a long at the quantity-weighted average price; selling from a long realizes
/// (price - average entry) x quantity; a fill through zero closes the position and opens the rest at the fill price.
/// Shorts mirror this.</item>
/// <item>Cash: a buy pays quantity x price, a sell receives it.</item>
/// <item>Fee in the quote asset (paper exchange; Binance and MEXC sells): paid from cash, subtracted from realized PnL.</item>
/// <item>Fee in the base asset (Binance buys without BNB): the venue delivers quantity - fee, so the fee quantity
/// leaves the position as if sold at price 0: realized PnL falls by fee x average entry price, and
/// <see cref="Position.FeesPaid"/> records fee x fill price.</item>
/// <item>Fee in a third asset (e.g. BNB): recorded in <see cref="Position.FeesByAsset"/> only, with
/// <see cref="Position.HasUnconvertedFees"/> set; it is not in PnL because this book holds no price for that asset.</item>
/// </list>
/// Identity kept at all times: equity = initial cash + sum of realized PnL + sum of unrealized PnL (third-asset fees aside).
/// </summary>
public sealed class PositionBook
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PositionState> _positions = new(StringComparer.Ordinal);
    private readonly Processing.RecentByReference<PositionState> _recent = new();
    private readonly TimeProvider _timeProvider;
    private decimal _cash;
    private string[]? _sortedSymbols;

    // Equity is read several times per candle (risk, equity curve) between marks: cached until a mark or fill.
    private decimal _equity;
    private bool _equityValid;
    private int _openPositions;

    public PositionBook(string currency, decimal initialCash, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(currency);
        Currency = currency;
        _cash = initialCash;
        _timeProvider = timeProvider;
    }

    /// <summary>The account currency: every traded symbol's quote asset.</summary>
    public string Currency { get; }

    public decimal Cash
    {
        get
        {
            lock (_gate)
            {
                return _cash;
            }
        }
    }

    /// <summary>Applies one fill. The caller de-duplicates fills; this method applies what it is given.</summary>
    public Position Apply(Fill fill, SymbolRules rules)
    {
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(rules);
        if (!string.Equals(rules.QuoteAsset, Currency, StringComparison.Ordinal))
        {
            throw new NotSupportedException($"{fill.Symbol}: quote asset {rules.QuoteAsset} differs from the account currency {Currency}.");
        }

        if (fill.Quantity <= 0 || fill.Price <= 0 || fill.Fee < 0)
        {
            throw new ArgumentException($"Fill {fill.Venue}/{fill.TradeId}: quantity and price must be positive and the fee not negative.", nameof(fill));
        }

        lock (_gate)
        {
            var state = GetOrAdd(fill.Symbol);
            _equityValid = false;
            var wasOpen = state.Quantity != 0;
            var signed = fill.Side == OrderSide.Buy ? fill.Quantity : -fill.Quantity;
            state.Trade(signed, fill.Price);
            _cash -= signed * fill.Price;
            state.Turnover += fill.Quantity * fill.Price;
            if (state.Mark == 0)
            {
                state.Mark = fill.Price;
            }

            if (fill.Fee > 0)
            {
                state.AddFee(fill.FeeAsset, fill.Fee);
                if (string.Equals(fill.FeeAsset, rules.QuoteAsset, StringComparison.Ordinal))
                {
                    _cash -= fill.Fee;
                    state.Realized -= fill.Fee;
                    state.Fees += fill.Fee;
                }
                else if (string.Equals(fill.FeeAsset, rules.BaseAsset, StringComparison.Ordinal))
                {
                    state.Trade(-fill.Fee, 0m);
                    state.Fees += fill.Fee * fill.Price;
                }
                else
                {
                    state.UnconvertedFees = true;
                }
            }

            state.UpdatedAt = fill.Time;
            _openPositions += (state.Quantity != 0 ? 1 : 0) - (wasOpen ? 1 : 0);
            return state.ToRecord(fill.Symbol);
        }
    }

    /// <summary>Records the latest price of a symbol (also the reference price for order checks).</summary>
    public void Mark(string symbol, decimal price)
    {
        if (price <= 0)
        {
            return;
        }

        lock (_gate)
        {
            GetOrAdd(symbol).Mark = price;
            _equityValid = false;
        }
    }

    /// <summary>
    /// As <see cref="Mark(string, decimal)"/> for a price as a double (a candle's close): the decimal conversion is
    /// made when the mark is first read (equity of a held position, order checks, snapshots), so a flat symbol's
    /// candles skip it. The value is the same <c>(decimal)price</c> either way.
    /// </summary>
    public void Mark(string symbol, double price)
    {
        if (!(price > 0) || !double.IsFinite(price))
        {
            return;
        }

        lock (_gate)
        {
            GetOrAdd(symbol).MarkFrom(price);
            _equityValid = false;
        }
    }

    public decimal? LastPrice(string symbol)
    {
        lock (_gate)
        {
            return Find(symbol) is { } s && s.Mark > 0 ? s.Mark : null;
        }
    }

    /// <summary>True when any symbol has a non-zero position.</summary>
    public bool HasOpenPosition
    {
        get
        {
            lock (_gate)
            {
                return _openPositions > 0;
            }
        }
    }

    /// <summary>Signed position quantity (0 when none).</summary>
    public decimal QuantityOf(string symbol)
    {
        lock (_gate)
        {
            return Find(symbol) is { } s ? s.Quantity : 0m;
        }
    }

    public Position? Get(string symbol)
    {
        lock (_gate)
        {
            return _positions.TryGetValue(symbol, out var s) ? s.ToRecord(symbol) : null;
        }
    }

    /// <summary>Cash plus the market value of all positions.</summary>
    public decimal Equity
    {
        get
        {
            lock (_gate)
            {
                if (_equityValid)
                {
                    return _equity;
                }

                var equity = _cash;
                foreach (var s in _positions.Values)
                {
                    if (s.Quantity != 0)
                    {
                        equity += s.Quantity * s.Mark;
                    }
                }

                _equity = equity;
                _equityValid = true;
                return equity;
            }
        }
    }

    public PortfolioSnapshot Snapshot()
    {
        lock (_gate)
        {
            // Called for every risk check: a loop over the symbols kept in order instead of LINQ's sort per call.
            var symbols = SortedSymbols();
            var positions = new List<Position>(symbols.Length);
            foreach (var symbol in symbols)
            {
                positions.Add(_positions[symbol].ToRecord(symbol));
            }

            decimal equity = _cash, realized = 0, unrealized = 0, fees = 0, gross = 0, net = 0;
            foreach (var p in positions)
            {
                equity += p.Notional;
                realized += p.RealizedPnl;
                unrealized += p.UnrealizedPnl;
                fees += p.FeesPaid;
                gross += Math.Abs(p.Notional);
                net += p.Notional;
            }

            return new PortfolioSnapshot(_timeProvider.GetUtcNow(), Currency, _cash, equity, realized, unrealized, fees, gross, net, positions);
        }
    }

    /// <summary>Replaces the whole book with persisted state (after a restart).</summary>
    public void Restore(decimal cash, IEnumerable<Position> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        lock (_gate)
        {
            _cash = cash;
            _positions.Clear();
            _recent.Clear();
            _equityValid = false;
            _openPositions = 0;
            _sortedSymbols = null;
            foreach (var p in positions)
            {
                _positions[p.Symbol] = new PositionState
                {
                    Quantity = p.Quantity,
                    Average = p.AverageEntryPrice,
                    Realized = p.RealizedPnl,
                    Fees = p.FeesPaid,
                    Mark = p.MarkPrice,
                    Turnover = p.Turnover,
                    UpdatedAt = p.UpdatedAt,
                    UnconvertedFees = p.HasUnconvertedFees,
                    FeesByAsset = PositionState.Freeze(new Dictionary<string, decimal>(p.FeesByAsset, StringComparer.Ordinal)),
                };
                _openPositions += p.Quantity != 0 ? 1 : 0;
            }
        }
    }

    private PositionState GetOrAdd(string symbol)
    {
        if (Find(symbol) is { } known)
        {
            return known;
        }

        var state = new PositionState();
        _positions[symbol] = state;
        _sortedSymbols = null;
        return state;
    }

    /// <summary>The symbol's state or null (call under the lock); per-bar calls hit the by-reference cache.</summary>
    private PositionState? Find(string symbol)
    {
        if (_recent.TryGet(symbol, out var state))
        {
            return state;
        }

        if (_positions.TryGetValue(symbol, out state))
        {
            _recent.Remember(symbol, state);
        }

        return state;
    }

    /// <summary>The book's symbols in ordinal order, rebuilt only when a symbol is added (call under the lock).</summary>
    private string[] SortedSymbols()
    {
        if (_sortedSymbols is null)
        {
            var symbols = _positions.Keys.ToArray();
            Array.Sort(symbols, StringComparer.Ordinal);
            _sortedSymbols = symbols;
        }

        return _sortedSymbols;
    }

    private sealed class PositionState
    {
        public decimal Quantity;
        public decimal Average;
        public decimal Realized;
        public decimal Fees;
        public decimal Turnover;
        public bool UnconvertedFees;
        public DateTimeOffset UpdatedAt;
        private decimal _mark;
        private double _pendingMark = double.NaN;

        /// <summary>The mark price; a mark given as a double is converted on first read.</summary>
        public decimal Mark
        {
            get
            {
                if (!double.IsNaN(_pendingMark))
                {
                    _mark = (decimal)_pendingMark;
                    _pendingMark = double.NaN;
                }

                return _mark;
            }

            set
            {
                _mark = value;
                _pendingMark = double.NaN;
            }
        }

        public void MarkFrom(double price) => _pendingMark = price;
        /// <summary>
        /// Replaced, never changed, when a fee is added: every Position record shares the current instance (a snapshot
        /// per risk check used to copy it), and a record handed out earlier keeps the fees it was made with.
        /// </summary>
        public IReadOnlyDictionary<string, decimal> FeesByAsset = NoFees;

        private static readonly IReadOnlyDictionary<string, decimal> NoFees = Freeze(new Dictionary<string, decimal>(StringComparer.Ordinal));

        public static IReadOnlyDictionary<string, decimal> Freeze(Dictionary<string, decimal> fees) => new System.Collections.ObjectModel.ReadOnlyDictionary<string, decimal>(fees);

        public void AddFee(string asset, decimal fee)
        {
            var fees = new Dictionary<string, decimal>(FeesByAsset, StringComparer.Ordinal);
            fees[asset] = fees.GetValueOrDefault(asset) + fee;
            FeesByAsset = Freeze(fees);
        }

        /// <summary>Applies a signed quantity at a price: grows, reduces, closes or flips the position.</summary>
        public void Trade(decimal signedQuantity, decimal price)
        {
            if (signedQuantity == 0)
            {
                return;
            }

            if (Quantity == 0 || Math.Sign(Quantity) == Math.Sign(signedQuantity))
            {
                var newQuantity = Quantity + signedQuantity;
                Average = (Average * Math.Abs(Quantity) + price * Math.Abs(signedQuantity)) / Math.Abs(newQuantity);
                Quantity = newQuantity;
                return;
            }

            var closing = Math.Min(Math.Abs(signedQuantity), Math.Abs(Quantity));
            Realized += closing * (price - Average) * Math.Sign(Quantity);
            Quantity += Math.Sign(signedQuantity) * closing;
            var rest = Math.Abs(signedQuantity) - closing;
            if (Quantity == 0)
            {
                Average = 0;
            }

            if (rest > 0)
            {
                Quantity = Math.Sign(signedQuantity) * rest;
                Average = price;
            }
        }

        public Position ToRecord(string symbol) =>
            new(symbol, Quantity, Average, Realized, Fees, Mark, Turnover, UpdatedAt)
            {
                FeesByAsset = FeesByAsset,
                HasUnconvertedFees = UnconvertedFees,
            };
    }
}
