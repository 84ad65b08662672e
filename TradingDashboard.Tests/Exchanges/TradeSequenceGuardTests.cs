using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Exchanges;

public class TradeSequenceGuardTests
{
    [Fact]
    public void Increasing_ids_pass_duplicates_and_older_ids_are_rejected_per_symbol()
    {
        var guard = new TradeSequenceGuard();
        Assert.Null(guard.Check("ETHUSDT", 10));
        Assert.Null(guard.Check("ETHUSDT", 11));
        Assert.Equal(RejectReasons.DuplicateTrade, guard.Check("ETHUSDT", 11));
        Assert.Equal(RejectReasons.OutOfOrderTrade, guard.Check("ETHUSDT", 9));
        // Another symbol has its own sequence.
        Assert.Null(guard.Check("BTCUSDT", 5));
        // A gap in ids is fine (the venue numbers all trades); the last id is kept.
        Assert.Null(guard.Check("ETHUSDT", 20));
        Assert.Equal(20L, guard.LastId("ETHUSDT"));
        Assert.Equal(RejectReasons.OutOfOrderTrade, guard.Check("ETHUSDT", 12));
        Assert.Null(guard.LastId("XRPUSDT"));
    }
}
