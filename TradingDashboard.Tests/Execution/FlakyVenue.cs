using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Execution;

/// <summary>What the next placement call does.</summary>
internal enum PlacementFault
{
    None,

    /// <summary>The venue places the order, then the answer is lost (timeout after acceptance).</summary>
    TimeoutAfterPlacing,

    /// <summary>The request never reaches the venue (connection refused).</summary>
    FailBeforeSending,

    /// <summary>The request may have reached the venue but did not: timeout, nothing placed.</summary>
    TimeoutNotPlaced,
}

/// <summary>
/// Wraps a venue and injects the failures the order manager must survive: lost answers, refused connections, and
/// every report delivered twice. Counts the placement calls that reached the inner venue.
/// </summary>
internal sealed class FlakyVenue(IBrokerageApi inner) : IBrokerageApi
{
    public Queue<PlacementFault> Faults { get; } = new();

    public bool DuplicateReports { get; set; }

    public int PlacementsReachingVenue { get; private set; }

    public int QueryFailures { get; set; }

    public string Name => inner.Name;

    public VenueCapabilities Capabilities => inner.Capabilities;

    public ValueTask<SymbolRules> GetSymbolRulesAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetSymbolRulesAsync(symbol, cancellationToken);

    public async ValueTask<PlaceOrderResult> PlaceOrderAsync(VenueOrderRequest request, CancellationToken cancellationToken = default)
    {
        var fault = Faults.Count > 0 ? Faults.Dequeue() : PlacementFault.None;
        switch (fault)
        {
            case PlacementFault.FailBeforeSending:
                throw new VenueUnavailableException("connection refused", mayHaveReachedVenue: false);
            case PlacementFault.TimeoutNotPlaced:
                throw new VenueUnavailableException("timeout", mayHaveReachedVenue: true);
        }

        PlacementsReachingVenue++;
        var result = await inner.PlaceOrderAsync(request, cancellationToken);
        if (fault == PlacementFault.TimeoutAfterPlacing)
        {
            throw new VenueUnavailableException("timeout after the request was sent", mayHaveReachedVenue: true);
        }

        return result;
    }

    public ValueTask<CancelOrderResult> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => inner.CancelOrderAsync(symbol, clientOrderId, cancellationToken);

    public ValueTask<VenueOrder?> QueryOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        if (QueryFailures > 0)
        {
            QueryFailures--;
            throw new VenueUnavailableException("query timeout", mayHaveReachedVenue: true);
        }

        return inner.QueryOrderAsync(symbol, clientOrderId, cancellationToken);
    }

    public ValueTask<IReadOnlyList<VenueOrder>> GetOpenOrdersAsync(string? symbol, CancellationToken cancellationToken = default) => inner.GetOpenOrdersAsync(symbol, cancellationToken);

    public ValueTask<IReadOnlyList<AssetBalance>> GetBalancesAsync(CancellationToken cancellationToken = default) => inner.GetBalancesAsync(cancellationToken);

    public ValueTask<IReadOnlyList<Fill>> GetFillsAsync(string symbol, DateTimeOffset since, CancellationToken cancellationToken = default) => inner.GetFillsAsync(symbol, since, cancellationToken);

    public IDisposable Subscribe(Action<ExecutionReport> handler) =>
        inner.Subscribe(report =>
        {
            handler(report);
            if (DuplicateReports)
            {
                handler(report);
            }
        });
}
