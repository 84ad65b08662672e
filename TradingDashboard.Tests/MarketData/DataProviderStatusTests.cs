using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using static TradingDashboard.Tests.MarketData.DataProviderCandleTests;

namespace TradingDashboard.Tests.MarketData;

public sealed class DataProviderStatusTests
{
    private const long HourMs = 3_600_000;
    private readonly FakeTimeProvider _time = new(Time(10, 30, 15));
    private readonly CandleCache _cache = new(3000);
    private readonly MarketDataStatusProvider _status;

    public DataProviderStatusTests()
    {
        var options = Options.Create(new TradingOptions { Symbols = ["ETHUSDT", "BTCUSDT"] });
        _status = new MarketDataStatusProvider(options, _cache, _time, NullLogger<MarketDataStatusProvider>.Instance);
        _status.SetSources([("Binance", false), ("Mexc", true)]);
    }

    private static OHLCVBar Bar(Timeframe tf, long openMs, double open, double close, string symbol = "ETHUSDT") =>
        new("Binance", symbol, tf, openMs, open, Math.Max(open, close), Math.Min(open, close), close, 1, true);

    [Fact]
    public void Change_24h_uses_the_open_of_the_1m_candle_a_day_before_the_last_price()
    {
        var now = At(10, 30, 20);
        var dayAgo = now - (24 * HourMs);
        _cache.Update(Bar(Timeframe.OneMinute, Timeframe.OneMinute.BucketStart(dayAgo) - 60_000, 1000, 1900));
        _cache.Update(Bar(Timeframe.OneMinute, Timeframe.OneMinute.BucketStart(dayAgo), 2000, 2050));
        _status.RecordPrice("ETHUSDT", 2100, now);

        var eth = _status.Current.Symbols.Single(s => s.Symbol == "ETHUSDT");
        Assert.Equal(2100, eth.LastPrice);
        Assert.Equal((2100 - 2000) / 2000.0, eth.Change24h!.Value, 12);
        Assert.Equal(_time.GetUtcNow(), eth.LastUpdateAt);

        var btc = _status.Current.Symbols.Single(s => s.Symbol == "BTCUSDT");
        Assert.Null(btc.LastPrice);
        Assert.Null(btc.Change24h);
    }

    [Fact]
    public void Change_24h_falls_back_to_the_1h_candle_and_is_null_when_nothing_is_known()
    {
        var now = At(10, 30, 20);
        _status.RecordPrice("ETHUSDT", 1800, now);
        Assert.Null(_status.Current.Symbols[0].Change24h);

        _cache.Update(Bar(Timeframe.OneHour, Timeframe.OneHour.BucketStart(now - (24 * HourMs)), 1500, 1600));
        _status.RecordPrice("ETHUSDT", 1800, now + 1);
        Assert.Equal((1800 - 1500) / 1500.0, _status.Current.Symbols[0].Change24h!.Value, 12);
    }

    [Fact]
    public void An_ended_active_source_is_published_at_once_and_every_symbol_shows_it_ended()
    {
        var heard = new List<MarketDataStatus>();
        using var subscription = _status.Subscribe(heard.Add);
        _status.SetActiveSource("Mexc");
        _status.SetSourceState("Mexc", SourceConnectionState.Connected, "ok");

        _status.SetSourceState("Mexc", SourceConnectionState.Ended, "replay finished");

        Assert.Equal(3, heard.Count);
        var mexc = heard[^1].Sources.Single(s => s.Name == "Mexc");
        Assert.Equal((SourceConnectionState.Ended, "replay finished"), (mexc.State, mexc.Detail));
        Assert.Equal("Mexc", heard[^1].ActiveSource);
        Assert.All(heard[^1].Symbols, s => Assert.Equal((SourceConnectionState.Ended, "Mexc"), (s.State, s.ActiveSource)));
        Assert.Equal(SourceConnectionState.Idle, heard[^1].Sources.Single(s => s.Name == "Binance").State);
    }

    [Fact]
    public void Source_changes_are_published_at_once_and_price_updates_when_asked()
    {
        var heard = new List<MarketDataStatus>();
        using var subscription = _status.Subscribe(heard.Add);

        _status.SetActiveSource("Mexc");
        _status.SetSourceState("Mexc", SourceConnectionState.Connected, "ok");
        _status.SetSourceState("Mexc", SourceConnectionState.Connected, "ok"); // no change, no notification
        Assert.Equal(2, heard.Count);
        Assert.Equal("Mexc", heard[^1].ActiveSource);
        var mexc = heard[^1].Sources.Single(s => s.Name == "Mexc");
        Assert.Equal((SourceConnectionState.Connected, "ok", true), (mexc.State, mexc.Detail, mexc.Polling));
        Assert.Equal(SourceConnectionState.Connected, heard[^1].Symbols[0].State);
        Assert.Equal("Mexc", heard[^1].Symbols[0].ActiveSource);

        _status.RecordPrice("ETHUSDT", 2000, At(10, 30));
        _status.RecordClosedCandle(Bar(Timeframe.OneMinute, At(10, 29), 1, 2));
        Assert.Equal(2, heard.Count);
        _status.PublishIfChanged(); // too soon after the last notification
        Assert.Equal(2, heard.Count);
        _time.Advance(MarketDataStatusProvider.PublishInterval);
        _status.PublishIfChanged();
        _time.Advance(MarketDataStatusProvider.PublishInterval);
        _status.PublishIfChanged(); // nothing new
        Assert.Equal(3, heard.Count);
        Assert.Equal(2000, heard[^1].Symbols[0].LastPrice);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(At(10, 30)), heard[^1].LastCandleAt);
    }
}
