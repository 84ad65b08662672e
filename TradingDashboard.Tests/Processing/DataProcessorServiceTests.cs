using TradingDashboard.Tests.Components.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Storage;
using TradingDashboard.Tests.Features;

namespace TradingDashboard.Tests.Processing;

public sealed class DataProcessorServiceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-processor-" + Guid.NewGuid().ToString("N"));

    public DataProcessorServiceTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static TradingOptions Trading() => new()
    {
        Symbols = ["ETHUSDT", "BTCUSDT"],
        Timeframes = ["1m", "1h"],
    };

    private static DataProcessorOptions Options() => new()
    {
        HistoryBars = 5000,
        FormingRefreshMilliseconds = 200,
        Features = new ProcessorFeatureOptions { WindowLength = 8, NormalizationLevel = 1 },
    };

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), $"timed out waiting for {what}");
    }

    [Fact]
    public async Task Closed_candles_from_the_cache_become_indicators_pivots_frames_and_stored_pivots()
    {
        var eth = SyntheticMarket.Minutes("ETHUSDT", 12 * 60, 2500, 1);
        var btc = SyntheticMarket.Minutes("BTCUSDT", 12 * 60, 60000, 2);
        var all = SyntheticMarket.InCloseOrder(eth.Concat(btc).Concat(SyntheticMarket.Hours(eth)).Concat(SyntheticMarket.Hours(btc)), ["ETHUSDT", "BTCUSDT"]);
        var preloaded = all.Take(300).ToList();

        var cache = new FakeCandleCache();
        cache.Seed(preloaded);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(SyntheticMarket.Start));
        var database = new SqliteDatabase($"Data Source={Path.Combine(_directory, "t.db")}");
        var store = new SqlitePivotStore(database);
        var state = new DataProcessorState();
        using var service = new DataProcessorService(cache, store, state, Microsoft.Extensions.Options.Options.Create(Options()), Microsoft.Extensions.Options.Options.Create(Trading()), time, NullLogger<DataProcessorService>.Instance);
        Assert.Equal("data-processor", service.Name);

        await service.StartAsync(CancellationToken.None);
        await WaitFor(() => cache.SubscriberCount == 1 && state.Current.BarsProcessed == preloaded.Count, "the warm start");
        foreach (var bar in all.Skip(300))
        {
            cache.Publish(bar);
        }

        cache.Publish(preloaded[^1]); // a duplicate: refused and counted
        await WaitFor(() => state.Current.BarsProcessed == all.Count && state.Current.BarsRejected == 1, "all candles");

        // The same bars through an offline processor give the same numbers.
        var offline = new DataProcessor(DataProcessorSettings.From(Trading(), Options()));
        var output = new ProcessorOutput();
        var pivots = new List<PivotPoint>();
        foreach (var bar in all)
        {
            output.Clear();
            offline.Process(bar, output);
            pivots.AddRange(output.Pivots);
        }

        var view = state.GetSeries("ETHUSDT", Timeframe.OneMinute, 10_000)!;
        Assert.Equal(eth.Select(b => b.OpenTimeMs), view.Bars.Select(b => b.OpenTimeMs));
        var offlineRsi = offline.GetSeries("ETHUSDT", Timeframe.OneMinute)!.History!.GetView(10_000).Indicators["rsi_14"];
        Assert.Equal(offlineRsi, view.Indicators["rsi_14"]);
        Assert.Null(view.Indicators["rsi_14"][13]);
        Assert.NotNull(view.Indicators["rsi_14"][14]);
        Assert.Equal(offline.FrameCounts, state.Current.Frames);
        Assert.True(state.Current.Frames.Built > 0);
        Assert.Equal(offline.Schema!.Hash, state.Current.SchemaHash);
        Assert.Equal(eth[^1].OpenTimeMs, state.LatestFrame!.AnchorOpenTimeMs);
        Assert.Equal(pivots.Count, state.Current.PivotsConfirmed);
        Assert.Equal(5, view.Levels.Count);
        Assert.Equal(
            pivots.Where(p => p.Symbol == "ETHUSDT" && p.Timeframe == Timeframe.OneMinute && p.Level == 2),
            state.GetPivots("ETHUSDT", Timeframe.OneMinute, level: 2));

        var stored = await store.LoadAsync("ETHUSDT", Timeframe.OneMinute);
        var expected = pivots.Where(p => p.Symbol == "ETHUSDT" && p.Timeframe == Timeframe.OneMinute).ToList();
        Assert.True(expected.Count > 50);
        Assert.Equal(expected.ToHashSet(), stored.ToHashSet());

        // A forming candle gets peeked indicator values at the next refresh tick.
        var next = eth[^1] with { OpenTimeMs = eth[^1].OpenTimeMs + 60_000, IsClosed = false, Close = eth[^1].Close * 1.001 };
        cache.Publish(next);
        await WaitFor(() => { time.Advance(TimeSpan.FromMilliseconds(200)); return state.GetSeries("ETHUSDT", Timeframe.OneMinute)!.Forming is not null; }, "the forming values");
        var forming = state.GetSeries("ETHUSDT", Timeframe.OneMinute)!.Forming!;
        Assert.Equal(next.OpenTimeMs, forming.OpenTimeMs);
        Assert.Equal(offline.GetSeries("ETHUSDT", Timeframe.OneMinute)!.PeekForming(next).Values, forming.Values);

        await service.StopAsync(CancellationToken.None);
        Assert.Equal(ProcessState.Stopped, service.GetInfo().State);
        Assert.Equal(0, cache.SubscriberCount);
    }

    [Fact]
    public async Task Pivot_store_round_trips_and_ignores_duplicates()
    {
        var store = new SqlitePivotStore(new SqliteDatabase($"Data Source={Path.Combine(_directory, "p.db")}"));
        PivotPoint[] pivots =
        [
            new("ETHUSDT", Timeframe.OneHour, 1, PivotType.High, 2500.5, 1000, 4600),
            new("ETHUSDT", Timeframe.OneHour, 2, PivotType.High, 2500.5, 1000, 9000),
            new("ETHUSDT", Timeframe.OneHour, 1, PivotType.Low, 2400.25, 2000, 5600),
            new("BTCUSDT", Timeframe.OneHour, 1, PivotType.Low, 60000, 2000, 5600),
        ];
        await store.SaveAsync(pivots);
        await store.SaveAsync(pivots[..2]);
        Assert.Equal(pivots[..3], await store.LoadAsync("ETHUSDT", Timeframe.OneHour));
        Assert.Equal([pivots[1]], await store.LoadAsync("ETHUSDT", Timeframe.OneHour, level: 2));
        Assert.Equal([pivots[2]], await store.LoadAsync("ETHUSDT", Timeframe.OneHour, fromOpenTimeMs: 1500));
        Assert.Equal([pivots[2]], await store.LoadAsync("ETHUSDT", Timeframe.OneHour, limit: 1));
        Assert.Empty(await store.LoadAsync("ETHUSDT", Timeframe.OneDay));
    }
}
