using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Backtesting;

/// <summary>
/// Fills (for trades.csv) and round trips (for the trade statistics) from the order manager's updates, shared by the
/// backtester and the RL environment (docs/metrics.md): a trip opens with the fill that leaves flat and closes with the
/// one that returns to flat (a flipping fill, fee included, closes the old trip and opens the next); its PnL is the
/// change in realized PnL, net of every fee of its fills.
/// </summary>
internal sealed class TradeRecorder
{
    private readonly Dictionary<string, Trip> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (decimal Realized, decimal Fees)> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Position> _positions = new(StringComparer.Ordinal);

    public List<TradeRecord> Fills { get; } = [];

    public List<RoundTrip> Trips { get; } = [];

    public decimal FeesTotal { get; private set; }

    /// <summary>The position after the latest fill of a symbol (average entry price without copying the book's state every step).</summary>
    public Position? LastPosition(string symbol) => _positions.GetValueOrDefault(symbol);

    public void OnUpdate(OrderUpdate update)
    {
        if (update.Fill is not { } fill || update.Position is not { } position)
        {
            return;
        }

        var reason = update.Order.Intent.Reason.Length > 0 ? $"{update.Order.Intent.Source}: {update.Order.Intent.Reason}" : update.Order.Intent.Source;
        var time = fill.Time.ToUnixTimeMilliseconds();
        Fills.Add(new TradeRecord(time, fill.Symbol, fill.Side, fill.Quantity, fill.Price, fill.Fee, fill.FeeAsset, fill.ClientOrderId, reason));
        FeesTotal += fill.Fee;
        _positions[fill.Symbol] = position;

        var before = _last.GetValueOrDefault(fill.Symbol);
        _last[fill.Symbol] = (position.RealizedPnl, position.FeesPaid);
        var quantity = position.Quantity;
        if (_open.TryGetValue(fill.Symbol, out var trip))
        {
            if (quantity == 0 || Math.Sign(quantity) != trip.Direction)
            {
                // Closed (or flipped: the flipping fill, fee included, belongs to the trade it closes).
                Trips.Add(new RoundTrip(fill.Symbol, trip.Direction, trip.EntryMs, time, position.RealizedPnl - trip.Realized, position.FeesPaid - trip.Fees));
                _open.Remove(fill.Symbol);
                if (quantity != 0)
                {
                    _open[fill.Symbol] = new Trip(Math.Sign(quantity), time, position.RealizedPnl, position.FeesPaid);
                }
            }
        }
        else if (quantity != 0)
        {
            _open[fill.Symbol] = new Trip(Math.Sign(quantity), time, before.Realized, before.Fees);
        }
    }

    private readonly record struct Trip(int Direction, long EntryMs, decimal Realized, decimal Fees);
}
