namespace TradingDashboard.Core.Pipeline;

/// <summary>Messages per second over the last few whole seconds, plus a running total. Thread-safe.</summary>
public sealed class RateMeter(TimeProvider timeProvider, int windowSeconds = 5)
{
    private readonly long[] _buckets = new long[windowSeconds + 1];
    private readonly long[] _bucketSecond = new long[windowSeconds + 1];
    private readonly Lock _gate = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(long count)
    {
        Interlocked.Add(ref _total, count);
        var second = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var index = (int)(second % _buckets.Length);
        lock (_gate)
        {
            if (_bucketSecond[index] != second)
            {
                _bucketSecond[index] = second;
                _buckets[index] = 0;
            }

            _buckets[index] += count;
        }
    }

    /// <summary>Average over the last <c>windowSeconds</c> complete seconds.</summary>
    public double PerSecond()
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        long sum = 0;
        lock (_gate)
        {
            for (var i = 0; i < _buckets.Length; i++)
            {
                var age = now - _bucketSecond[i];
                if (age >= 1 && age <= windowSeconds)
                {
                    sum += _buckets[i];
                }
            }
        }

        return sum / (double)windowSeconds;
    }
}
