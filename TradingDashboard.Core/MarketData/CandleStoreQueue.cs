using System.Threading.Channels;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// The bounded channel between the data provider (writer) and the candle storage stage (the one reader). Full mode
/// is Wait: a closed candle is never dropped; when storage falls behind, the provider waits.
/// </summary>
public sealed class CandleStoreQueue
{
    /// <summary>Default capacity: a start-up backfill of two symbols x four timeframes x 1000 candles fits without waiting.</summary>
    public const int DefaultCapacity = 16_384;

    private readonly Channel<OHLCVBar> _channel;

    public CandleStoreQueue()
        : this(DefaultCapacity)
    {
    }

    public CandleStoreQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _channel = Channel.CreateBounded<OHLCVBar>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public int Capacity { get; }

    /// <summary>Candles waiting to be stored.</summary>
    public int Count => _channel.Reader.Count;

    public ChannelReader<OHLCVBar> Reader => _channel.Reader;

    /// <summary>Queues a closed candle, waiting while the queue is full.</summary>
    public ValueTask WriteAsync(OHLCVBar bar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bar);
        return bar.IsClosed
            ? _channel.Writer.WriteAsync(bar, cancellationToken)
            : throw new ArgumentException("Only closed candles are stored.", nameof(bar));
    }
}
