using System.Text.RegularExpressions;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Execution;

public class ClientOrderIdsTests
{
    [Fact]
    public void Same_intent_gives_same_id_and_different_intents_differ()
    {
        var a1 = ClientOrderIds.FromIntent("ma-cross:ETHUSDT:1700000040000:entry");
        var a2 = ClientOrderIds.FromIntent("ma-cross:ETHUSDT:1700000040000:entry");
        var b = ClientOrderIds.FromIntent("ma-cross:ETHUSDT:1700000100000:entry");
        Assert.Equal(a1, a2);
        Assert.NotEqual(a1, b);
    }

    [Fact]
    public void Ids_fit_binance_and_mexc_limits()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => ClientOrderIds.FromIntent($"intent-{i}")).ToList();
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Equal(32, id.Length);
            Assert.Matches(new Regex("^[\\.A-Z\\:/a-z0-9_-]{1,36}$"), id); // Binance newClientOrderId
            Assert.StartsWith("td", id, StringComparison.Ordinal);
            Assert.True(ClientOrderIds.IsValid(id));
        });
        Assert.False(ClientOrderIds.IsValid("td" + new string('z', 30)));
    }

    [Fact]
    public void Empty_intent_is_refused() => Assert.Throws<ArgumentException>(() => ClientOrderIds.FromIntent(" "));
}
