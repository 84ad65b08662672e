using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using static TradingDashboard.Tests.MarketData.DataProviderCandleTests;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.MarketData;

public sealed class DataProviderFallbackTests
{
    private static Alert[] MarketDataAlerts(DataProviderHarness h) =>
        h.Alerts.Recent().Where(a => a.Category == DataProvider.AlertCategory).Reverse().ToArray();

    private static SourceStatus SourceState(DataProviderHarness h, string name) => h.Status.Current.Sources.Single(s => s.Name == name);

    [Fact]
    public async Task A_source_that_throws_hands_over_to_the_next_with_an_alert()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities) { StreamFailure = new IOException("connection refused") };
        var mexc = new ScriptedSource("Mexc", ScriptedSource.KlineCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance, mexc]);

        h.Start();
        await WaitUntilAsync(() => mexc.Sessions == 1 && h.Provider.ActiveSource == "Mexc", "Mexc takes over");

        var alert = Assert.Single(MarketDataAlerts(h));
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Contains("Binance failed (connection refused); switched to Mexc", alert.Message, StringComparison.Ordinal);
        Assert.Equal("Mexc", h.Status.Current.ActiveSource);
        Assert.Equal(SourceConnectionState.Failed, SourceState(h, "Binance").State);
        Assert.Contains("connection refused", SourceState(h, "Binance").Detail, StringComparison.Ordinal);

        // Mexc's candles are taken; they carry its name.
        var kline = new OHLCVBar("Mexc", Symbol, Timeframe.OneMinute, At(10, 30), 2000, 2001, 1999, 2000, 1, false);
        await mexc.KlineAsync(kline);
        Assert.Equal(kline, h.Bars(Timeframe.OneMinute)[^1]);
        Assert.Equal(SourceConnectionState.Connected, SourceState(h, "Mexc").State);
    }

    [Fact]
    public async Task A_silent_source_is_left_after_the_silence_timeout()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        var mexc = new ScriptedSource("Mexc", ScriptedSource.KlineCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance, mexc], o => o.MarketData.SilenceTimeoutSeconds = 5);
        h.Start();
        await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

        await h.AdvanceAsync(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1));
        Assert.Equal("Binance", h.Provider.ActiveSource);
        Assert.Empty(MarketDataAlerts(h));

        await h.AdvanceUntilAsync(() => h.Provider.ActiveSource == "Mexc", TimeSpan.FromSeconds(1), 40, "Mexc takes over");

        Assert.True(h.NowMs - At(10, 30, 15) >= 5_000);
        var alert = Assert.Single(MarketDataAlerts(h));
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Contains("Binance failed (no message for 5 s); switched to Mexc", alert.Message, StringComparison.Ordinal);
        await WaitUntilAsync(() => binance.EndedSessions == 1, "Binance's stream is cancelled");
        Assert.Equal(SourceConnectionState.Failed, SourceState(h, "Binance").State);
    }

    [Fact]
    public async Task Messages_keep_a_source_alive_past_the_silence_timeout()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        var mexc = new ScriptedSource("Mexc", ScriptedSource.KlineCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance, mexc], o => o.MarketData.SilenceTimeoutSeconds = 5);
        h.Start();
        await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
            await binance.TradeAsync(Symbol, i + 1, 2000, 1, h.NowMs);
        }

        Assert.Equal("Binance", h.Provider.ActiveSource);
        Assert.Equal(0, mexc.Sessions);
        Assert.Empty(MarketDataAlerts(h));
    }

    [Fact]
    public async Task The_preferred_source_is_probed_and_taken_back_when_it_answers()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities) { StreamFailure = new IOException("down"), HistoryFails = true };
        var mexc = new ScriptedSource("Mexc", ScriptedSource.KlineCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance, mexc], o => o.MarketData.ProbeIntervalSeconds = 10);
        h.Start();
        await WaitUntilAsync(() => h.Provider.ActiveSource == "Mexc" && mexc.Sessions == 1, "Mexc takes over");
        var requestsBeforeProbe = binance.HistoryRequests.Count;

        // One probe interval with Binance still down: a failed probe, Mexc stays.
        await h.AdvanceAsync(TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => binance.HistoryRequests.Count > requestsBeforeProbe, "Binance is probed");
        Assert.Equal("Mexc", h.Provider.ActiveSource);
        await WaitUntilAsync(() => SourceState(h, "Binance").Detail?.Contains("probe failed", StringComparison.Ordinal) == true, "the failed probe shows");

        binance.StreamFailure = null;
        binance.HistoryFails = false;
        await h.AdvanceUntilAsync(() => h.Provider.ActiveSource == "Binance", TimeSpan.FromSeconds(1), 60, "Binance is back");
        await WaitUntilAsync(() => binance.Sessions == 2, "Binance streams again");

        var alerts = MarketDataAlerts(h);
        Assert.Equal(2, alerts.Length);
        Assert.Equal(AlertSeverity.Info, alerts[1].Severity);
        Assert.Contains("Binance is reachable again; switched back from Mexc", alerts[1].Message, StringComparison.Ordinal);
        await WaitUntilAsync(() => mexc.EndedSessions == 1, "Mexc's stream is cancelled");
        Assert.Equal("Binance", h.Status.Current.ActiveSource);

        // The probe asked for the last ten closed minutes of the primary symbol.
        Assert.Contains((Symbol, Timeframe.OneMinute, At(10, 19), At(10, 29)), binance.HistoryRequests);
    }

    [Fact]
    public async Task Every_source_failing_raises_an_error_and_retries_from_the_top()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities) { StreamFailure = new IOException("down") };
        var mexc = new ScriptedSource("Mexc", ScriptedSource.KlineCapabilities) { StreamFailure = new IOException("also down") };
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance, mexc], o => o.MarketData.ProbeIntervalSeconds = 10);
        h.Start();
        await WaitUntilAsync(() => mexc.Sessions == 1 && MarketDataAlerts(h).Length == 2, "both failed");

        var alerts = MarketDataAlerts(h);
        Assert.Equal(AlertSeverity.Error, alerts[1].Severity);
        Assert.Contains("Every market data source failed", alerts[1].Message, StringComparison.Ordinal);
        Assert.Null(h.Status.Current.ActiveSource);

        binance.StreamFailure = null;
        await h.AdvanceUntilAsync(() => h.Provider.ActiveSource == "Binance", TimeSpan.FromSeconds(1), 60, "Binance is tried again");
        await WaitUntilAsync(() => binance.Sessions == 2, "Binance streams again");
        Assert.Equal(1, mexc.Sessions);
    }

    [Fact]
    public async Task Unregistered_sources_are_skipped_and_replay_needs_a_directory()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        var replay = new ScriptedSource("Replay", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance, replay], o => o.MarketData.Sources = "Mexc,Binance,Replay");

        Assert.Equal(["Binance"], h.Provider.Chain.Sources.Select(s => s.Name));

        await using var withReplay = new DataProviderHarness(Time(10, 30, 15), [replay, binance], o =>
        {
            o.MarketData.Sources = "Binance,Mexc,Replay";
            o.MarketData.ReplayDirectory = "/data/replay";
        });
        Assert.Equal(["Binance", "Replay"], withReplay.Provider.Chain.Sources.Select(s => s.Name));
    }
}
