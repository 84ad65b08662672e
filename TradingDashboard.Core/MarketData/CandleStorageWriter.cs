using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// Moves closed candles from <see cref="CandleStoreQueue"/> into the store in batches (one transaction each). A batch
/// that fails to write is kept and retried first on the next call, so a storage error never loses a candle.
/// </summary>
public sealed class CandleStorageWriter(CandleStoreQueue queue, ICandleStore store, ILogger<CandleStorageWriter> logger)
{
    /// <summary>Largest batch written in one transaction.</summary>
    public const int MaxBatchSize = 4096;

    private readonly List<OHLCVBar> _pending = [];

    /// <summary>Candles read from the queue but not yet written (after a failed write).</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Waits for at least one candle, writes what is queued (up to <see cref="MaxBatchSize"/>), returns how many were written.</summary>
    public async Task<int> WriteNextBatchAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            if (!await queue.Reader.WaitToReadAsync(cancellationToken))
            {
                return 0;
            }
        }

        return await WriteAvailableAsync(cancellationToken);
    }

    /// <summary>Writes everything queued right now without waiting for more; returns how many candles were written.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (_pending.Count > 0 || queue.Count > 0)
        {
            total += await WriteAvailableAsync(cancellationToken);
        }

        return total;
    }

    private async Task<int> WriteAvailableAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count < MaxBatchSize && queue.Reader.TryRead(out var bar))
        {
            _pending.Add(bar);
        }

        if (_pending.Count == 0)
        {
            return 0;
        }

        var written = await store.UpsertAsync(_pending, cancellationToken);
        logger.LogDebug("Stored {Count} candles", written);
        _pending.Clear();
        return written;
    }
}
