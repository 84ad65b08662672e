using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

/// <summary>Lets several connection loops of one source share a sink that expects one caller at a time.</summary>
internal sealed class SerializedSink(IMarketDataSink inner) : IMarketDataSink, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.OnTradeAsync(tick, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.OnKlineAsync(bar, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.OnConnectionChangedAsync(source, connected, detail, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
