using System.Text.Json;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Execution;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Exchanges.Trading;

/// <summary>executionReport events recorded from Binance (nautilus_trader test data) mapped to execution reports.</summary>
public sealed class BinanceExecutionReportTests
{
    private static ExecutionReport? Map(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.File("protocol", "binance", "nautilus_trader", "spot", "ws", file)));
        var root = doc.RootElement;
        return BinanceUserDataStream.ToExecutionReport(root.TryGetProperty("data", out var data) ? data : root);
    }

    [Fact]
    public void Partial_trade_becomes_a_fill_with_symbol_qualified_trade_id()
    {
        var report = Map("ws_spot_execution_report_trade.json")!;
        Assert.Equal(ExecutionReportKind.Fill, report.Kind);
        var fill = report.Fill!;
        // Values as written in the recorded event: l 0.5, L 2499.5, n 0.0005 ETH, t 98765432, m true, T 1759347763167.
        Assert.Equal(("O-12345-test-trade", "ETHUSDT:98765432", OrderSide.Buy), (fill.ClientOrderId, fill.TradeId, fill.Side));
        Assert.Equal((0.5m, 2499.5m, 0.0005m, "ETH", true), (fill.Quantity, fill.Price, fill.Fee, fill.FeeAsset, fill.IsMaker));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1759347763167), fill.Time);
        Assert.Equal("1234567890", report.VenueOrderId);
    }

    [Theory]
    [InlineData("ws_spot_execution_report_new.json", ExecutionReportKind.Accepted)]
    [InlineData("ws_spot_execution_report_canceled.json", ExecutionReportKind.Canceled)]
    [InlineData("ws_spot_execution_report_rejected.json", ExecutionReportKind.Rejected)]
    [InlineData("ws_spot_execution_report_expired.json", ExecutionReportKind.Expired)]
    public void Status_events_map_to_their_kind(string file, ExecutionReportKind expected)
    {
        var report = Map(file)!;
        Assert.Equal(expected, report.Kind);
        Assert.Null(report.Fill);
    }

    [Fact]
    public void Rejection_carries_the_venue_reason()
    {
        var report = Map("ws_spot_execution_report_rejected.json")!;
        Assert.Equal(("O-12345-test-reject", "GTX_ORDER_REJECT"), (report.ClientOrderId, report.Reason));
    }

    [Theory]
    [InlineData("ws_spot_execution_report_trade_l_zero.json")]
    [InlineData("ws_spot_execution_report_trade_l_zero_partial.json")]
    public void Trades_without_quantity_or_price_are_not_applied(string file) => Assert.Null(Map(file));
}
