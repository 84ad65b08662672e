using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Risk;

/// <summary>A computed initial stop and what it was based on.</summary>
public sealed record StopLossPlan(decimal StopPrice, StopLossMode Basis, string Reason);

/// <summary>The stop protecting one position.</summary>
/// <param name="PositionQuantity">Signed quantity protected (+ long, - short).</param>
/// <param name="Distance">Trailing distance: |entry - initial stop|.</param>
/// <param name="BestPrice">Highest price since entry for a long, lowest for a short.</param>
public sealed record StopLevel(
    string Symbol,
    decimal PositionQuantity,
    decimal EntryPrice,
    decimal StopPrice,
    decimal Distance,
    decimal BestPrice,
    bool Trailing,
    StopLossMode Basis,
    DateTimeOffset UpdatedAt)
{
    public bool IsLong => PositionQuantity > 0;
}

/// <summary>What one price update did to a stop.</summary>
public readonly record struct StopCheck(bool Moved, bool Triggered, StopLevel? Level);

/// <summary>
/// The design's StopLossManager: computes each position's initial stop (fixed fraction, ATR multiple or last pivot),
/// trails it behind the best price when configured, and checks it on every price when the venue cannot hold stop
/// orders. Thread-safe.
/// <list type="bullet">
/// <item>Fixed: long stop = entry x (1 - FixedFraction); short = entry x (1 + FixedFraction).</item>
/// <item>ATR: long stop = entry - AtrMultiplier x ATR; short = entry + AtrMultiplier x ATR.</item>
/// <item>Pivot: long stop = last pivot low x (1 - PivotBufferFraction); short = last pivot high x (1 + buffer); a pivot
/// on the wrong side of the entry is not a stop and falls back to Fixed.</item>
/// <item>Trailing: the stop follows the best price at the initial distance and never moves back.</item>
/// <item>Trigger: a long's stop is hit when the low reaches it (a short's when the high reaches it).</item>
/// </list>
/// Stops are rounded to the tick like orders: a long's (sell) stop up, a short's (buy) stop down.
/// </summary>
public sealed class StopLossManager(StopLossOptions options, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StopLevel> _stops = new(StringComparer.Ordinal);

    /// <summary>Number of armed stops, written under the lock: most candles of a backtest find none and skip the lock.</summary>
    private int _armed;

    public StopLossOptions Options => options;

    /// <summary>The initial stop for an entry at <paramref name="entryPrice"/>; ATR and pivot when known.</summary>
    public StopLossPlan Plan(OrderSide entrySide, decimal entryPrice, SymbolRules rules, double? atr = null, decimal? lastPivot = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var isLong = entrySide == OrderSide.Buy;
        var sign = isLong ? -1m : 1m;
        decimal raw;
        StopLossMode basis;
        string reason;
        switch (options.Mode)
        {
            case StopLossMode.Atr when atr is > 0 && double.IsFinite(atr.Value):
                raw = entryPrice + sign * options.AtrMultiplier * (decimal)atr.Value;
                basis = StopLossMode.Atr;
                reason = $"{options.AtrMultiplier} x ATR {atr.Value:G6} from entry {entryPrice}";
                break;
            case StopLossMode.Pivot when lastPivot is > 0 && (isLong ? lastPivot < entryPrice : lastPivot > entryPrice):
                raw = lastPivot.Value * (1 + sign * options.PivotBufferFraction);
                basis = StopLossMode.Pivot;
                reason = $"beyond last pivot {lastPivot} by {options.PivotBufferFraction:P2}";
                break;
            default:
                raw = entryPrice * (1 + sign * options.FixedFraction);
                basis = StopLossMode.Fixed;
                reason = options.Mode == StopLossMode.Fixed
                    ? $"{options.FixedFraction:P2} from entry {entryPrice}"
                    : $"{options.FixedFraction:P2} from entry {entryPrice} ({options.Mode} input not available)";
                break;
        }

        var stop = OrderValidator.RoundPrice(Math.Max(raw, rules.TickSize), rules.TickSize, isLong ? OrderSide.Sell : OrderSide.Buy);
        return new StopLossPlan(stop, basis, reason);
    }

    /// <summary>Protects a position with a stop (replacing any previous one for the symbol).</summary>
    public StopLevel Arm(string symbol, decimal positionQuantity, decimal entryPrice, StopLossPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (positionQuantity == 0)
        {
            throw new ArgumentException("A flat position needs no stop.", nameof(positionQuantity));
        }

        var isLong = positionQuantity > 0;
        if (isLong ? plan.StopPrice >= entryPrice : plan.StopPrice <= entryPrice)
        {
            throw new ArgumentException($"Stop {plan.StopPrice} is on the wrong side of entry {entryPrice} for a {(isLong ? "long" : "short")}.", nameof(plan));
        }

        var level = new StopLevel(symbol, positionQuantity, entryPrice, plan.StopPrice, Math.Abs(entryPrice - plan.StopPrice), entryPrice, options.Trailing, plan.Basis, timeProvider.GetUtcNow());
        lock (_gate)
        {
            _stops[symbol] = level;
            Volatile.Write(ref _armed, _stops.Count);
        }

        return level;
    }

    /// <summary>Updates the protected quantity (after a partial exit or an add) without moving the stop.</summary>
    public void Resize(string symbol, decimal positionQuantity)
    {
        lock (_gate)
        {
            if (_stops.TryGetValue(symbol, out var level))
            {
                if (positionQuantity == 0 || Math.Sign(positionQuantity) != Math.Sign(level.PositionQuantity))
                {
                    _stops.Remove(symbol);
                    Volatile.Write(ref _armed, _stops.Count);
                }
                else
                {
                    _stops[symbol] = level with { PositionQuantity = positionQuantity };
                }
            }
        }
    }

    public void Disarm(string symbol)
    {
        lock (_gate)
        {
            _stops.Remove(symbol);
            Volatile.Write(ref _armed, _stops.Count);
        }
    }

    public StopLevel? Get(string symbol)
    {
        if (Volatile.Read(ref _armed) == 0)
        {
            return null;
        }

        lock (_gate)
        {
            return _stops.GetValueOrDefault(symbol);
        }
    }

    public IReadOnlyList<StopLevel> All()
    {
        lock (_gate)
        {
            return _stops.Values.OrderBy(s => s.Symbol, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>
    /// <summary>
    /// As <see cref="OnPrice(string, decimal, decimal, SymbolRules)"/> for prices as doubles (candles, trades). Most
    /// updates neither trigger nor trail the stop: those are recognised in double arithmetic with a safety margin far
    /// above the conversion's rounding, and the decimal conversions (the costly part) are made only for the others,
    /// so the result is always the decimal method's.
    /// </summary>
    public StopCheck OnPrice(string symbol, double high, double low, SymbolRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        lock (_gate)
        {
            if (!_stops.TryGetValue(symbol, out var level))
            {
                return default;
            }

            const double margin = 1e-9;
            var stop = (double)level.StopPrice;
            var best = (double)level.BestPrice;
            var quiet = level.IsLong
                ? low > stop * (1 + margin) && (!level.Trailing || high < best * (1 - margin))
                : high < stop * (1 - margin) && (!level.Trailing || low > best * (1 + margin));
            if (quiet)
            {
                return new StopCheck(false, false, level);
            }
        }

        return OnPrice(symbol, (decimal)high, (decimal)low, rules);
    }

    /// Feeds a price range (a trade: high = low = price; a candle: its high and low). Trails first on the favourable
    /// extreme, then checks the adverse extreme against the stop as it stood before this update.
    /// </summary>
    public StopCheck OnPrice(string symbol, decimal high, decimal low, SymbolRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        lock (_gate)
        {
            if (!_stops.TryGetValue(symbol, out var level))
            {
                return default;
            }

            // Checked against the stop before trailing: within one candle the order of high and low is unknown.
            var triggered = level.IsLong ? low <= level.StopPrice : high >= level.StopPrice;
            var moved = false;
            if (level.Trailing)
            {
                var best = level.IsLong ? Math.Max(level.BestPrice, high) : Math.Min(level.BestPrice, low);
                if (best != level.BestPrice)
                {
                    var candidate = level.IsLong
                        ? OrderValidator.RoundPrice(best - level.Distance, rules.TickSize, OrderSide.Sell)
                        : OrderValidator.RoundPrice(best + level.Distance, rules.TickSize, OrderSide.Buy);
                    var better = level.IsLong ? candidate > level.StopPrice : candidate < level.StopPrice;
                    level = level with
                    {
                        BestPrice = best,
                        StopPrice = better ? candidate : level.StopPrice,
                        UpdatedAt = better ? timeProvider.GetUtcNow() : level.UpdatedAt,
                    };
                    moved = better;
                    _stops[symbol] = level;
                }
            }

            return new StopCheck(moved, triggered, level);
        }
    }
}
