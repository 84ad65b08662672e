namespace TradingDashboard.Core.Execution;

/// <summary>Stable codes for order rejections (validation, risk, venue), used in reasons, metrics and tests.</summary>
public static class RejectCodes
{
    public const string InvalidOrder = "invalid_order";
    public const string UnknownSymbol = "unknown_symbol";
    public const string PriceOutOfRange = "price_out_of_range";
    public const string PriceBand = "price_band";
    public const string QuantityBelowMinimum = "quantity_below_minimum";
    public const string QuantityAboveMaximum = "quantity_above_maximum";
    public const string MinNotional = "min_notional";
    public const string MaxNotional = "max_notional";
    public const string NoReferencePrice = "no_reference_price";
    public const string NotReady = "not_reconciled";
    public const string VenueRejected = "venue_rejected";
    public const string InsufficientBalance = "insufficient_balance";
}

/// <summary>Outcome of <see cref="OrderValidator.Validate"/>: the rounded intent, or the reason it cannot be sent.</summary>
/// <param name="Normalized">The intent rounded to the venue's tick and step sizes (the input when invalid).</param>
/// <param name="Adjustments">What rounding changed, in words (empty when nothing changed).</param>
public sealed record OrderValidationResult(bool IsValid, OrderIntent Normalized, string? RejectCode, string? Reason, IReadOnlyList<string> Adjustments)
{
    public static OrderValidationResult Invalid(OrderIntent intent, string code, string reason) => new(false, intent, code, reason, []);
}

/// <summary>
/// Checks an intent against a venue's rules and rounds it, before anything is sent.
/// <para>Rounding (documented in docs/metrics.md too):</para>
/// <list type="bullet">
/// <item>Prices (limit and stop) go to a multiple of the tick size: a buy rounds down, a sell rounds up. A limit price
/// thus never becomes worse than asked, and a protective stop (sell stop below a long, buy stop above a short) never
/// triggers later than asked.</item>
/// <item>Quantity floors to a multiple of the step size: the order is never larger than asked.</item>
/// </list>
/// <para>Then, in this order: price limits, price band around the reference price, quantity limits, notional limits
/// (priced at the limit price, else the stop price, else the reference price for market orders).</para>
/// </summary>
public static class OrderValidator
{
    /// <param name="referencePrice">Last traded price, or null when unknown (market orders then cannot be checked and are rejected).</param>
    public static OrderValidationResult Validate(OrderIntent intent, SymbolRules rules, decimal? referencePrice)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(rules);

        if (!string.Equals(intent.Symbol, rules.Symbol, StringComparison.Ordinal))
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.UnknownSymbol, $"rules are for {rules.Symbol}, order is for {intent.Symbol}");
        }

        if (string.IsNullOrWhiteSpace(intent.IntentId))
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.InvalidOrder, "intent id is empty");
        }

        if (intent.Quantity <= 0)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.InvalidOrder, $"quantity {intent.Quantity} is not positive");
        }

        var needsLimit = intent.Type is OrderType.Limit or OrderType.StopLimit;
        var needsStop = intent.Type is OrderType.StopMarket or OrderType.StopLimit;
        if (needsLimit != intent.LimitPrice.HasValue)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.InvalidOrder, needsLimit ? $"{intent.Type} order needs a limit price" : $"{intent.Type} order must not have a limit price");
        }

        if (needsStop != intent.StopPrice.HasValue)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.InvalidOrder, needsStop ? $"{intent.Type} order needs a stop price" : $"{intent.Type} order must not have a stop price");
        }

        if (intent.LimitPrice is <= 0 || intent.StopPrice is <= 0)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.InvalidOrder, "prices must be positive");
        }

        if (referencePrice is <= 0)
        {
            referencePrice = null;
        }

        var adjustments = new List<string>(2);
        var limit = intent.LimitPrice is { } lp ? RoundPrice(lp, rules.TickSize, intent.Side) : (decimal?)null;
        var stop = intent.StopPrice is { } sp ? RoundPrice(sp, rules.TickSize, intent.Side) : (decimal?)null;
        if (limit != intent.LimitPrice)
        {
            adjustments.Add($"limit price {intent.LimitPrice} rounded {(intent.Side == OrderSide.Buy ? "down" : "up")} to tick {rules.TickSize}: {limit}");
        }

        if (stop != intent.StopPrice)
        {
            adjustments.Add($"stop price {intent.StopPrice} rounded {(intent.Side == OrderSide.Buy ? "down" : "up")} to tick {rules.TickSize}: {stop}");
        }

        if (limit is <= 0 || stop is <= 0)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.PriceOutOfRange, $"price rounds to zero at tick size {rules.TickSize}");
        }

        foreach (var (name, price) in new[] { ("limit", limit), ("stop", stop) })
        {
            if (price is not { } p)
            {
                continue;
            }

            if (rules.MinPrice is { } min && p < min || rules.MaxPrice is { } max && p > max)
            {
                return OrderValidationResult.Invalid(intent, RejectCodes.PriceOutOfRange, $"{name} price {p} is outside [{rules.MinPrice}, {rules.MaxPrice}]");
            }

            if (referencePrice is { } reference)
            {
                if (rules.PriceBandUp is { } up && p > reference * up)
                {
                    return OrderValidationResult.Invalid(intent, RejectCodes.PriceBand, $"{name} price {p} is above the band {reference * up} ({up} x reference {reference})");
                }

                if (rules.PriceBandDown is { } down && p < reference * down)
                {
                    return OrderValidationResult.Invalid(intent, RejectCodes.PriceBand, $"{name} price {p} is below the band {reference * down} ({down} x reference {reference})");
                }
            }
        }

        var quantity = FloorToStep(intent.Quantity, rules.StepSize);
        if (quantity != intent.Quantity)
        {
            adjustments.Add($"quantity {intent.Quantity} floored to step {rules.StepSize}: {quantity}");
        }

        if (quantity <= 0 || quantity < rules.MinQuantity)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.QuantityBelowMinimum, $"quantity {quantity} (after flooring {intent.Quantity} to step {rules.StepSize}) is below the minimum {rules.MinQuantity}");
        }

        if (rules.MaxQuantity is { } maxQty && quantity > maxQty)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.QuantityAboveMaximum, $"quantity {quantity} is above the maximum {maxQty}");
        }

        var notionalPrice = limit ?? stop ?? referencePrice;
        if (notionalPrice is not { } np)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.NoReferencePrice, "no reference price known to check the notional of a market order");
        }

        var notional = quantity * np;
        var checkMin = intent.Type != OrderType.Market || rules.ApplyMinNotionalToMarket;
        if (checkMin && notional < rules.MinNotional)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.MinNotional, $"notional {notional} {rules.QuoteAsset} ({quantity} x {np}) is below the minimum {rules.MinNotional}");
        }

        if (rules.MaxNotional is { } maxNotional && notional > maxNotional)
        {
            return OrderValidationResult.Invalid(intent, RejectCodes.MaxNotional, $"notional {notional} {rules.QuoteAsset} is above the maximum {maxNotional}");
        }

        var normalized = adjustments.Count == 0 ? intent : intent with { Quantity = quantity, LimitPrice = limit, StopPrice = stop };
        return new OrderValidationResult(true, normalized, null, null, adjustments);
    }

    /// <summary>Buy: down to the tick; sell: up to the tick.</summary>
    public static decimal RoundPrice(decimal price, decimal tickSize, OrderSide side)
    {
        var ticks = price / tickSize;
        var whole = side == OrderSide.Buy ? decimal.Floor(ticks) : decimal.Ceiling(ticks);
        return Normalize(whole * tickSize);
    }

    /// <summary>Largest multiple of <paramref name="stepSize"/> not above <paramref name="quantity"/> (quantity ≥ 0).</summary>
    public static decimal FloorToStep(decimal quantity, decimal stepSize) => Normalize(decimal.Floor(quantity / stepSize) * stepSize);

    /// <summary>Drops trailing zeros of the scale (1.2300 -> 1.23) so equal values print and persist alike.</summary>
    public static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;
}
