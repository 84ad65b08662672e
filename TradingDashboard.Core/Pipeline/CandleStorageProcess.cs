using Microsoft.Extensions.Logging;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// Stage "candle-storage": drains the closed-candle queue into SQLite in batches. On stop it writes what is already
/// queued before ending, so a clean shutdown loses nothing.
/// </summary>
public sealed class CandleStorageProcess(CandleStorageWriter writer, TimeProvider timeProvider, ILogger<CandleStorageProcess> logger)
    : ManagedProcess(timeProvider, logger)
{
    public const string ProcessName = "candle-storage";

    public override string Name => ProcessName;

    public override string Description => "Writes closed candles to the SQLite store in batches";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var written = await writer.WriteNextBatchAsync(stoppingToken);
                if (written > 0)
                {
                    CountMessages(written);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            var written = await writer.DrainAsync(CancellationToken.None);
            if (written > 0)
            {
                CountMessages(written);
                Logger.LogInformation("Stored the last {Count} queued candles on stop", written);
            }

            throw;
        }
    }
}
