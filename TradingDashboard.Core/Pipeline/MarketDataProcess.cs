using Microsoft.Extensions.Logging;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// Stage "market-data": runs the <see cref="DataProvider"/>'s source fallback chain. Stopping it stops new candles
/// (the forming ones are dropped); starting it again backfills the gap over REST before streaming.
/// </summary>
public sealed class MarketDataProcess(DataProvider dataProvider, TimeProvider timeProvider, ILogger<MarketDataProcess> logger)
    : ManagedProcess(timeProvider, logger)
{
    public const string ProcessName = "market-data";

    public override string Name => ProcessName;

    public override string Description => "Streams market data from the active source (fallback chain), builds candles, backfills gaps";

    protected override Task RunAsync(CancellationToken stoppingToken) => dataProvider.RunAsync(count => CountMessages(count), stoppingToken);
}
