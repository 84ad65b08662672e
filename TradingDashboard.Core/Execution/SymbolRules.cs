using System.Collections.Concurrent;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// A venue's trading rules for one symbol (Binance exchangeInfo filters PRICE_FILTER, LOT_SIZE, MIN_NOTIONAL/NOTIONAL,
/// PERCENT_PRICE; MEXC's equivalents). Decimal throughout.
/// </summary>
/// <param name="TickSize">Price increment (PRICE_FILTER tickSize).</param>
/// <param name="StepSize">Quantity increment (LOT_SIZE stepSize).</param>
/// <param name="MinQuantity">Smallest quantity (LOT_SIZE minQty).</param>
/// <param name="MinNotional">Smallest price x quantity in the quote asset (NOTIONAL minNotional).</param>
public sealed record SymbolRules(
    string Symbol,
    string BaseAsset,
    string QuoteAsset,
    decimal TickSize,
    decimal StepSize,
    decimal MinQuantity,
    decimal MinNotional)
{
    /// <summary>Largest quantity (LOT_SIZE maxQty); null for no limit.</summary>
    public decimal? MaxQuantity { get; init; }

    /// <summary>Largest notional (NOTIONAL maxNotional); null for no limit.</summary>
    public decimal? MaxNotional { get; init; }

    /// <summary>PRICE_FILTER minPrice; null for no limit.</summary>
    public decimal? MinPrice { get; init; }

    /// <summary>PRICE_FILTER maxPrice; null for no limit.</summary>
    public decimal? MaxPrice { get; init; }

    /// <summary>Price band (PERCENT_PRICE multiplierUp): a price may be at most reference x this; null for no band.</summary>
    public decimal? PriceBandUp { get; init; }

    /// <summary>Price band (PERCENT_PRICE multiplierDown): a price must be at least reference x this; null for no band.</summary>
    public decimal? PriceBandDown { get; init; }

    /// <summary>Whether the minimum notional applies to market orders too (Binance NOTIONAL applyMinToMarket).</summary>
    public bool ApplyMinNotionalToMarket { get; init; } = true;

    /// <summary>Checks the rules themselves; returns the first problem or null.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(Symbol) || string.IsNullOrWhiteSpace(BaseAsset) || string.IsNullOrWhiteSpace(QuoteAsset))
        {
            return "symbol, base asset and quote asset must be set";
        }

        if (TickSize <= 0 || StepSize <= 0)
        {
            return $"{Symbol}: tick size and step size must be positive";
        }

        if (MinQuantity < 0 || MinNotional < 0)
        {
            return $"{Symbol}: minimum quantity and minimum notional must not be negative";
        }

        if (PriceBandUp is { } up && up <= 1m || PriceBandDown is { } down && (down <= 0m || down >= 1m))
        {
            return $"{Symbol}: price band multipliers must be up > 1 and 0 < down < 1";
        }

        return null;
    }
}

/// <summary>
/// The symbol rules known to this process, by symbol: configured ones for the paper exchange, exchangeInfo for real
/// venues. Thread-safe; read on every order and fill.
/// </summary>
public sealed class SymbolRulesRegistry
{
    private readonly ConcurrentDictionary<string, SymbolRules> _rules = new(StringComparer.Ordinal);

    public SymbolRulesRegistry()
    {
    }

    public SymbolRulesRegistry(IEnumerable<SymbolRules> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var rule in rules)
        {
            Set(rule);
        }
    }

    public void Set(SymbolRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Problem() is { } problem)
        {
            throw new ArgumentException($"Invalid symbol rules: {problem}.", nameof(rules));
        }

        _rules[rules.Symbol] = rules;
    }

    public bool TryGet(string symbol, out SymbolRules rules) => _rules.TryGetValue(symbol, out rules!);

    public SymbolRules Get(string symbol) =>
        _rules.TryGetValue(symbol, out var rules) ? rules : throw new KeyNotFoundException($"No trading rules known for symbol '{symbol}'.");

    public IReadOnlyCollection<SymbolRules> All => _rules.Values.OrderBy(r => r.Symbol, StringComparer.Ordinal).ToList();
}
