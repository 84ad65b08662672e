using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Storage;

/// <summary>One real day of 1m candles rolled up and stored: the path the replay benchmark times, checked for content.</summary>
public sealed class CandleReplayStorageTests : IDisposable
{
    private static readonly long DayStart = new DateTimeOffset(2024, 10, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_real_day_rolled_up_and_stored_reads_back_complete()
    {
        var file = TestData.File("binance", "spot", "klines", "1m", "ETHUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz");
        var minutes = KlineCsvReader.Read(file, "Replay", "ETHUSDT", Timeframe.OneMinute)
            .Where(b => b.OpenTimeMs >= DayStart && b.OpenTimeMs < DayStart + 86_400_000).ToList();
        Assert.Equal(1440, minutes.Count);

        var aggregator = new CandleAggregator("Replay", "ETHUSDT", [Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay]);
        var rolled = new List<OHLCVBar>();
        foreach (var bar in minutes)
        {
            aggregator.AddClosedKline(bar, rolled);
        }

        var store = new SqliteCandleStore(_db.Database);
        Assert.Equal(1440 + 24 + 1, await store.UpsertAsync(rolled));
        Assert.Equal(1440 + 24 + 1, await store.UpsertAsync(rolled)); // replaying again changes nothing

        Assert.Equal(minutes, await store.GetRangeAsync("ETHUSDT", Timeframe.OneMinute, DayStart, DayStart + 86_400_000));
        var hours = await store.GetLatestAsync("ETHUSDT", Timeframe.OneHour, 100);
        Assert.Equal(24, hours.Count);
        // Reference for the 13:00 hour, straight from its sixty minutes.
        var h13 = minutes.Skip(13 * 60).Take(60).ToList();
        var stored13 = hours[13];
        Assert.Equal(DayStart + (13 * 3_600_000L), stored13.OpenTimeMs);
        Assert.Equal((h13[0].Open, h13.Max(b => b.High), h13.Min(b => b.Low), h13[^1].Close), (stored13.Open, stored13.High, stored13.Low, stored13.Close));
        Assert.Equal(h13.Sum(b => b.Volume), stored13.Volume, 6);
        var day = (await store.GetLatestAsync("ETHUSDT", Timeframe.OneDay, 5)).Single();
        Assert.Equal((minutes[0].Open, minutes.Max(b => b.High), minutes.Min(b => b.Low), minutes[^1].Close), (day.Open, day.High, day.Low, day.Close));
    }
}
