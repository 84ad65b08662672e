using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Tests.MarketData.Replay;

public class KlineCsvReaderTests
{
    [Fact]
    public void Reads_full_binance_rows_ohlcv_rows_and_mexc_rows_with_or_without_header()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("BTCUSDT-1m-x.csv.gz",
            "open_time,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote,ignore",
            "1761711720000,112731.29,112749.73,112730.4,112749.72,4.75297,1761711779999,535846.83867820,1459,1.90045000,214244.39643660,0",
            "1761711780000000,112749.71,112749.72,112686.38,112700.35,8.63715",
            "1761711840000,1,2,0.5,1.5,3,1761711900000,4.5");

        var bars = KlineCsvReader.Read(path, "Replay", "BTCUSDT", Timeframe.OneMinute).ToList();

        Assert.Equal(3, bars.Count);
        Assert.Equal((1761711720000L, 112731.29, 112749.73, 112730.4, 112749.72, 4.75297, 535846.83867820, 1459L),
            (bars[0].OpenTimeMs, bars[0].Open, bars[0].High, bars[0].Low, bars[0].Close, bars[0].Volume, bars[0].QuoteVolume, bars[0].TradeCount));

        // Microseconds (Binance dumps from 2025) become milliseconds; a 6-column row has no quote volume or count.
        Assert.Equal((1761711780000L, 0d, 0L), (bars[1].OpenTimeMs, bars[1].QuoteVolume, bars[1].TradeCount));

        // MEXC's 8 columns: the eighth is the quote volume.
        Assert.Equal(4.5, bars[2].QuoteVolume);
        Assert.All(bars, b => Assert.Equal(("Replay", "BTCUSDT", Timeframe.OneMinute, true), (b.Source, b.Symbol, b.Timeframe, b.IsClosed)));
        Assert.Equal(1761711779999L, bars[0].ExchangeTimeMs);
    }

    [Theory]
    [InlineData("1761711720000,1,2,0.5,1.5", "at least 6 columns")]
    [InlineData("abc,1,2,0.5,1.5,1", "not an integer")]
    [InlineData("1761711720001,1,2,0.5,1.5,1", "grid")]
    [InlineData("1761711720000,1,2,x,1.5,1", "column 4 'x'")]
    [InlineData("1761711720000,1,2,0.5,NaN,1", "column 5 'NaN'")]
    [InlineData("1761711720000,0,2,0.5,1.5,1", "non-positive")]
    [InlineData("1761711720000,1,0.5,2,1.5,1", "below low")]
    [InlineData("1761711720000,3,2,0.5,1.5,1", "outside")]
    [InlineData("1761711720000,1,2,0.5,1.5,-1", "negative volume")]
    public void Bad_rows_are_rejected_with_a_reason(string row, string expected)
    {
        Assert.False(KlineCsvReader.TryParseRow(row, "Replay", "BTCUSDT", Timeframe.OneMinute, out _, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("open_time,open,high,low,close,volume", true)]
    [InlineData("\"timestamp\",open", true)]
    [InlineData("1761711720000,1,2,0.5,1.5,1", false)]
    public void A_first_line_starting_with_a_non_number_is_a_header(string line, bool header) =>
        Assert.Equal(header, KlineCsvReader.IsHeader(line));

    [Theory]
    [InlineData(1761711720000L, 1761711720000L)]
    [InlineData(1761711720000123L, 1761711720000L)]
    public void Timestamps_in_microseconds_become_milliseconds(long raw, long ms) => Assert.Equal(ms, KlineCsvReader.ToMilliseconds(raw));
}
