using TradingDashboard.Api;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Host;

public class CandleQueryTests
{
    private static readonly TradingOptions Options = new() { Symbols = ["ETHUSDT", "BTCUSDT"], Timeframes = ["1m", "1h"] };

    [Theory]
    [InlineData("BTCUSDT", "1m", null, "BTCUSDT", Timeframe.OneMinute, 500)]
    [InlineData("btcusdt", "1h", "1", "BTCUSDT", Timeframe.OneHour, 1)]
    [InlineData("ETHUSDT", "1m", "5000", "ETHUSDT", Timeframe.OneMinute, 5000)]
    public void Accepts_configured_symbols_and_timeframes(string symbol, string timeframe, string? limit, string expectedSymbol, Timeframe expectedTimeframe, int expectedLimit)
    {
        Assert.True(CandleQuery.TryParse(symbol, timeframe, limit, Options, out var query, out var error));
        Assert.Null(error);
        Assert.Equal(new CandleQuery(expectedSymbol, expectedTimeframe, expectedLimit), query);
    }

    [Theory]
    [InlineData(null, "1m", null, "symbol")]
    [InlineData("DOGEUSDT", "1m", null, "Unknown symbol 'DOGEUSDT'")]
    [InlineData("BTCUSDT", null, null, "timeframe")]
    [InlineData("BTCUSDT", "5m", null, "Unknown timeframe '5m'")]
    [InlineData("BTCUSDT", "1s", null, "Unknown timeframe '1s'")]
    [InlineData("BTCUSDT", "1m", "0", "Invalid limit '0'")]
    [InlineData("BTCUSDT", "1m", "5001", "Invalid limit '5001'")]
    [InlineData("BTCUSDT", "1m", "-3", "Invalid limit '-3'")]
    [InlineData("BTCUSDT", "1m", "abc", "Invalid limit 'abc'")]
    [InlineData("BTCUSDT", "1m", "2.5", "Invalid limit '2.5'")]
    [InlineData("BTCUSDT", "1m", "", "Invalid limit ''")]
    public void Rejects_bad_requests_with_a_message(string? symbol, string? timeframe, string? limit, string expectedFragment)
    {
        Assert.False(CandleQuery.TryParse(symbol, timeframe, limit, Options, out var query, out var error));
        Assert.Null(query);
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
    }
}

public class HealthReportTests
{
    private static MarketDataStatus Status(string? active, params (string Name, SourceConnectionState State)[] sources) =>
        new(active, sources.Select(s => new SourceStatus(s.Name, s.State, null, null, false)).ToList(), [], null);

    [Fact]
    public void Active_source_connected_and_store_reachable_is_healthy()
    {
        var report = HealthReport.Evaluate(true, Status("Mexc", ("Binance", SourceConnectionState.Failed), ("Mexc", SourceConnectionState.Connected)));
        Assert.Equal("healthy", report.Status);
        Assert.Empty(report.Reasons);
    }

    [Fact]
    public void A_finished_replay_is_degraded_and_says_so()
    {
        var report = HealthReport.Evaluate(true, Status("Replay", ("Binance", SourceConnectionState.Idle), ("Replay", SourceConnectionState.Ended)));
        Assert.Equal("degraded", report.Status);
        Assert.Equal(["Replay finished: the replay reached the end of its files, no new market data"], report.Reasons);
    }

    [Fact]
    public void No_source_connected_is_degraded()
    {
        var report = HealthReport.Evaluate(true, Status("Binance", ("Binance", SourceConnectionState.Disconnected), ("Mexc", SourceConnectionState.Idle)));
        Assert.Equal("degraded", report.Status);
        Assert.Equal(["no market data source connected"], report.Reasons);
    }

    [Fact]
    public void Missing_market_data_status_is_degraded()
    {
        var report = HealthReport.Evaluate(true, null);
        Assert.Equal("degraded", report.Status);
        Assert.Single(report.Reasons);
    }

    [Fact]
    public void Unreachable_store_is_unhealthy_even_with_market_data()
    {
        var report = HealthReport.Evaluate(false, Status("Binance", ("Binance", SourceConnectionState.Connected)));
        Assert.Equal("unhealthy", report.Status);
        Assert.Contains(report.Reasons, r => r.StartsWith("store unreachable", StringComparison.Ordinal));
    }
}

public class PrometheusTextWriterTests
{
    [Fact]
    public void Writes_help_type_and_escaped_labels()
    {
        var text = new PrometheusTextWriter()
            .Family("x_total", "counter", "Things.")
            .Sample("x_total", 3, ("a", "q\"uo\\te\nnl"), ("b", "plain"))
            .Sample("x_total", 0.25)
            .ToString();

        Assert.Equal(
            "# HELP x_total Things.\n# TYPE x_total counter\nx_total{a=\"q\\\"uo\\\\te\\nnl\",b=\"plain\"} 3\nx_total 0.25\n",
            text);
        var parsed = PrometheusText.Parse(text);
        Assert.Equal(3, parsed.Value("x_total", ("a", "q\"uo\\te\nnl"), ("b", "plain")));
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(-1.5e-7, "-1.5E-07")]
    [InlineData(1234567890123.0, "1234567890123")]
    public void Formats_values_invariantly(double value, string expected) =>
        Assert.Equal(expected, PrometheusTextWriter.FormatValue(value));
}
