using TradingDashboard.Core.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public class PositionBookTests
{
    private static int _trade;

    private static Fill F(OrderSide side, decimal qty, decimal price, decimal fee = 0m, string feeAsset = "USDT", string symbol = "ETHUSDT") =>
        new("Paper", "t" + Interlocked.Increment(ref _trade), "c", symbol, side, qty, price, fee, feeAsset, false, DateTimeOffset.FromUnixTimeMilliseconds(T0));

    [Fact]
    public void Average_entry_and_realized_pnl_by_hand()
    {
        var book = new PositionBook("USDT", 10_000m, Clock());
        book.Apply(F(OrderSide.Buy, 1m, 2000m), EthUsdt);
        book.Apply(F(OrderSide.Buy, 1m, 2100m), EthUsdt);
        var p = book.Get("ETHUSDT")!;
        Assert.Equal(2m, p.Quantity);
        Assert.Equal(2050m, p.AverageEntryPrice); // (2000 + 2100) / 2

        book.Apply(F(OrderSide.Sell, 0.5m, 2200m), EthUsdt);
        p = book.Get("ETHUSDT")!;
        Assert.Equal(1.5m, p.Quantity);
        Assert.Equal(2050m, p.AverageEntryPrice); // unchanged by a reduction
        Assert.Equal(75m, p.RealizedPnl); // 0.5 x (2200 - 2050)

        book.Mark("ETHUSDT", 2000m);
        p = book.Get("ETHUSDT")!;
        Assert.Equal(-75m, p.UnrealizedPnl); // 1.5 x (2000 - 2050)

        // Cash: 10000 - 2000 - 2100 + 1100 = 7000; equity: 7000 + 1.5 x 2000 = 10000
        Assert.Equal(7000m, book.Cash);
        Assert.Equal(10_000m, book.Equity);
    }

    [Fact]
    public void Fill_through_zero_closes_and_opens_the_rest_at_the_fill_price()
    {
        var book = new PositionBook("USDT", 10_000m, Clock());
        book.Apply(F(OrderSide.Buy, 1m, 2000m), EthUsdt);
        book.Apply(F(OrderSide.Sell, 3m, 1900m), EthUsdt);
        var p = book.Get("ETHUSDT")!;
        Assert.Equal(-2m, p.Quantity);
        Assert.Equal(1900m, p.AverageEntryPrice);
        Assert.Equal(-100m, p.RealizedPnl);

        book.Apply(F(OrderSide.Buy, 2m, 1800m), EthUsdt); // short covered lower: +2 x 100
        p = book.Get("ETHUSDT")!;
        Assert.True(p.IsFlat);
        Assert.Equal(0m, p.AverageEntryPrice);
        Assert.Equal(100m, p.RealizedPnl);
    }

    [Fact]
    public void Quote_fees_reduce_cash_and_realized_pnl()
    {
        var book = new PositionBook("USDT", 10_000m, Clock());
        book.Apply(F(OrderSide.Buy, 1m, 2000m, fee: 2m), EthUsdt);
        book.Apply(F(OrderSide.Sell, 1m, 2100m, fee: 2.1m), EthUsdt);
        var p = book.Get("ETHUSDT")!;
        Assert.Equal(95.9m, p.RealizedPnl); // 100 - 2 - 2.1
        Assert.Equal(4.1m, p.FeesPaid);
        Assert.Equal(4.1m, p.FeesByAsset["USDT"]);
        Assert.Equal(10_095.9m, book.Cash);
        Assert.Equal(4100m, p.Turnover);
    }

    [Fact]
    public void Base_asset_fee_leaves_the_position_at_zero_proceeds()
    {
        var book = new PositionBook("USDT", 10_000m, Clock());
        book.Apply(F(OrderSide.Buy, 1m, 2000m, fee: 0.001m, feeAsset: "ETH"), EthUsdt);
        var p = book.Get("ETHUSDT")!;
        Assert.Equal(0.999m, p.Quantity);
        Assert.Equal(2000m, p.AverageEntryPrice);
        Assert.Equal(-2m, p.RealizedPnl); // 0.001 ETH at cost 2000
        Assert.Equal(2m, p.FeesPaid); // 0.001 x fill price 2000
        Assert.Equal(0.001m, p.FeesByAsset["ETH"]);
        Assert.Equal(8000m, book.Cash);
        // Equity identity: 8000 + 0.999 x 2000 = 9998 = 10000 - 2 + 0
        Assert.Equal(9998m, book.Equity);
    }

    [Fact]
    public void Third_asset_fee_is_kept_apart_and_flagged()
    {
        var book = new PositionBook("USDT", 10_000m, Clock());
        book.Apply(F(OrderSide.Buy, 1m, 2000m, fee: 0.003m, feeAsset: "BNB"), EthUsdt);
        var p = book.Get("ETHUSDT")!;
        Assert.True(p.HasUnconvertedFees);
        Assert.Equal(0.003m, p.FeesByAsset["BNB"]);
        Assert.Equal(0m, p.RealizedPnl);
        Assert.Equal(0m, p.FeesPaid);
    }

    [Fact]
    public void Equity_equals_initial_cash_plus_realized_plus_unrealized_over_random_fills()
    {
        var random = new Random(42);
        var book = new PositionBook("USDT", 50_000m, Clock());
        for (var i = 0; i < 500; i++)
        {
            var side = random.Next(2) == 0 ? OrderSide.Buy : OrderSide.Sell;
            var qty = random.Next(1, 300) / 100m;
            var price = 1500m + random.Next(0, 100_000) / 100m;
            var fee = decimal.Round(qty * price * 0.001m, 8);
            book.Apply(F(side, qty, price, fee), EthUsdt);
            book.Mark("ETHUSDT", 1500m + random.Next(0, 100_000) / 100m);
            var s = book.Snapshot();
            // Exact up to decimal's 28 significant digits (average prices are quotients).
            Assert.True(Math.Abs(50_000m + s.RealizedPnl + s.UnrealizedPnl - s.Equity) < 1e-18m, $"identity broken at fill {i}");
        }
    }

    [Fact]
    public void Totals_sum_over_symbols()
    {
        var book = new PositionBook("USDT", 100_000m, Clock());
        book.Apply(F(OrderSide.Buy, 1m, 2000m, fee: 1m), EthUsdt);
        book.Apply(F(OrderSide.Buy, 0.1m, 30_000m, fee: 3m, symbol: "BTCUSDT"), BtcUsdt);
        book.Mark("ETHUSDT", 2100m);
        book.Mark("BTCUSDT", 29_000m);
        var s = book.Snapshot();
        Assert.Equal(2, s.Positions.Count);
        Assert.Equal(-4m, s.RealizedPnl);
        Assert.Equal(100m - 100m, s.UnrealizedPnl); // +100 on ETH, -100 on BTC
        Assert.Equal(4m, s.FeesPaid);
        Assert.Equal(2100m + 2900m, s.GrossExposure);
        Assert.Equal(100_000m - 2000m - 3000m - 4m + 5000m, s.Equity);
    }

    [Fact]
    public void Symbols_quoted_in_another_currency_are_refused()
    {
        var book = new PositionBook("USDT", 1000m, Clock());
        var ethBtc = new SymbolRules("ETHBTC", "ETH", "BTC", 0.00001m, 0.0001m, 0.0001m, 0.0001m);
        Assert.Throws<NotSupportedException>(() => book.Apply(F(OrderSide.Buy, 1m, 0.05m, symbol: "ETHBTC"), ethBtc));
    }

    [Fact]
    public void Snapshot_lists_symbols_in_ordinal_order_with_fees_as_of_each_snapshot()
    {
        var book = new PositionBook("USDT", 10_000m, Clock());
        var sol = EthUsdt with { Symbol = "SOLUSDT", BaseAsset = "SOL" };
        var aave = EthUsdt with { Symbol = "AAVEUSDT", BaseAsset = "AAVE" };
        book.Apply(F(OrderSide.Buy, 1m, 100m, fee: 0.1m, symbol: "SOLUSDT"), sol);
        book.Apply(F(OrderSide.Buy, 1m, 2000m, fee: 0.001m, feeAsset: "ETH"), EthUsdt);
        var first = book.Snapshot();
        Assert.Equal(["ETHUSDT", "SOLUSDT"], first.Positions.Select(p => p.Symbol));

        // A symbol added later sorts in; later fees (a new asset and more of one seen) do not change the earlier snapshot.
        book.Apply(F(OrderSide.Buy, 1m, 50m, symbol: "AAVEUSDT"), aave);
        book.Apply(F(OrderSide.Sell, 0.5m, 2100m, fee: 1.05m), EthUsdt);
        book.Apply(F(OrderSide.Buy, 0.2m, 2050m, fee: 0.0002m, feeAsset: "ETH"), EthUsdt);
        var second = book.Snapshot();
        Assert.Equal(["AAVEUSDT", "ETHUSDT", "SOLUSDT"], second.Positions.Select(p => p.Symbol));

        Assert.Equal(new Dictionary<string, decimal> { ["ETH"] = 0.001m }, first.Positions[0].FeesByAsset);
        Assert.Equal(new Dictionary<string, decimal> { ["ETH"] = 0.0012m, ["USDT"] = 1.05m }, second.Positions[1].FeesByAsset);
        Assert.Equal(new Dictionary<string, decimal> { ["USDT"] = 0.1m }, second.Positions[2].FeesByAsset);
        Assert.Empty(second.Positions[0].FeesByAsset);

        // Handed-out fees cannot be changed through the record (they are shared with later snapshots).
        Assert.False(first.Positions[0].FeesByAsset is IDictionary<string, decimal> { IsReadOnly: false });
    }
}
