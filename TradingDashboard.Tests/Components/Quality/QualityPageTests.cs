using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Components.Pages.Quality;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Quality;

public sealed class QualityPageTests : ComponentTestBase
{
    // 2024-05-01 11:59 UTC: the anchor bar of the frame; it closes (the frame's time) at 12:00.
    private const long AnchorOpenMs = 1_714_564_740_000;
    private readonly FakeDataProcessorState _processor = new();
    private readonly FakeProcessController _processes = new(Process(ProcessState.Running));

    // Two symbols × (1s optional, 1m, 1h), two bars, 5 + 1 + 15 = 21 features: blocks of 42 values, 252 in all.
    private readonly FeatureSchema _schema = new(new FeatureSettings
    {
        Symbols = ["ETHUSDT", "BTCUSDT"],
        Timeframes = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour],
        WindowLength = 2,
        Indicators = [IndicatorSpec.Parse("sma_2")],
    });

    public QualityPageTests()
    {
        Ctx.Services.AddSingleton<IDataProcessorState>(_processor);
        Ctx.Services.AddSingleton<IProcessController>(_processes);
    }

    private static ProcessInfo Process(ProcessState state) =>
        new(DataProcessorService.ProcessName, "Indicators, pivots, frames", state, null, 0, 0, null, null);

    private DataProcessorStatus Status(long built) => new(
        BarsProcessed: 123_456,
        BarsRejected: 3,
        BarsDropped: 0,
        PivotsConfirmed: 789,
        Frames: new FrameCounts(built, SkippedWarmup: 31, SkippedGap: 7, SkippedStaleReference: 2, MaskedOptionalBlocks: 2_468),
        SchemaHash: _schema.Hash,
        Series:
        [
            new SeriesStatus("ETHUSDT", Timeframe.OneMinute, 5_000, AnchorOpenMs, [Trend.Up, Trend.Down, Trend.Sideways, Trend.Unknown, Trend.Unknown]),
            new SeriesStatus("BTCUSDT", Timeframe.OneHour, 80, null, [Trend.Unknown, Trend.Unknown, Trend.Unknown, Trend.Unknown, Trend.Unknown]),
        ],
        UpdatedAt: new DateTimeOffset(2024, 5, 1, 12, 0, 1, TimeSpan.Zero));

    // Valid per block: ETH 1s absent (0), ETH 1m all 42, ETH 1h the first bar (21), BTC 1s absent, BTC 1m 40, BTC 1h 42: 145 of 252.
    private FeatureFrame Frame(long anchorOpenMs = AnchorOpenMs)
    {
        var mask = new byte[_schema.Length];
        void Fill(int symbol, int timeframe, int count) => mask.AsSpan(_schema.BlockOffset(symbol, timeframe), count).Fill(1);
        Fill(0, 1, 42);
        Fill(0, 2, 21);
        Fill(1, 1, 40);
        Fill(1, 2, 42);
        return new FeatureFrame("ETHUSDT", anchorOpenMs, Timeframe.OneMinute, _schema.Hash, new float[_schema.Length], mask, [false, true, true, false, true, true]);
    }

    private void Seed()
    {
        _processor.Set(Status(built: 1_234));
        _processor.Schema = _schema;
        _processor.LatestFrame = Frame();
    }

    private static string Text(IRenderedComponent<QualityPage> cut, string selector) => cut.Find(selector).TextContent.Trim();

    [Fact]
    public void Frames_built_and_skipped_by_reason_come_from_the_status()
    {
        Seed();

        var cut = Render<QualityPage>();

        Assert.Equal("1,234", Text(cut, "[data-frames=built]"));
        Assert.Equal("40", Text(cut, "[data-frames=skipped]"));
        Assert.Equal("31", Text(cut, "[data-frames=warmup]"));
        Assert.Equal("7", Text(cut, "[data-frames=gap]"));
        Assert.Equal("2", Text(cut, "[data-frames=stale]"));
        Assert.Equal("2,468", Text(cut, "[data-frames=masked]"));
        // 1234 of 1274 outcomes.
        Assert.Contains("96.9 %", cut.Find("[data-frames=built]").ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.Equal("123,456", Text(cut, "[data-counter=processed]"));
        Assert.Equal("3", Text(cut, "[data-counter=rejected]"));
        Assert.Equal("0", Text(cut, "[data-counter=dropped]"));
        Assert.Equal("789", Text(cut, "[data-counter=pivots]"));
        Assert.Equal("ETHUSDT", cut.Find("[data-frames-scope]").GetAttribute("data-frames-scope"));
        Assert.Empty(cut.FindAll("[data-quality-note]"));
    }

    [Fact]
    public void Schema_version_hash_and_shape_are_shown()
    {
        Seed();

        var cut = Render<QualityPage>();

        Assert.Equal(FeatureSchema.CodeVersion.ToString(CultureInfo.InvariantCulture), Text(cut, "[data-schema-version]"));
        Assert.Equal(64, _schema.Hash.Length);
        Assert.Equal(_schema.Hash, Text(cut, "[data-schema-hash]"));
        Assert.Equal("2x3x2x21", cut.Find("[data-schema-shape]").GetAttribute("data-schema-shape"));
    }

    [Fact]
    public void The_latest_frame_shows_its_time_and_mask_coverage_overall_and_per_block()
    {
        Seed();

        var cut = Render<QualityPage>();

        Assert.Equal("2024-05-01T12:00:00.000Z", cut.Find("[data-frame-time]").GetAttribute("data-frame-time"));
        Assert.Equal(145.0 / 252, double.Parse(cut.Find("[data-coverage]").GetAttribute("data-coverage")!, CultureInfo.InvariantCulture));
        Assert.Contains("57.5 %", Text(cut, "[data-coverage]"), StringComparison.Ordinal);
        Assert.Contains("145 of 252", Text(cut, "[data-coverage]"), StringComparison.Ordinal);

        string Block(string key) => cut.Find($"[data-block=\"{key}\"]").GetAttribute("data-block-coverage")!;
        Assert.Equal("0", Block("ETHUSDT/1s"));
        Assert.Equal("1", Block("ETHUSDT/1m"));
        Assert.Equal("0.5", Block("ETHUSDT/1h"));
        Assert.Equal((40.0 / 42).ToString("R", CultureInfo.InvariantCulture), Block("BTCUSDT/1m"));
        Assert.Contains("masked (optional)", cut.Find("[data-block=\"BTCUSDT/1s\"]").TextContent, StringComparison.Ordinal);
        Assert.Contains("95.2 %", cut.Find("[data-block=\"BTCUSDT/1m\"]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-frame-schema-mismatch]"));
    }

    [Fact]
    public void Series_rows_show_bars_and_the_trend_per_level()
    {
        Seed();

        var cut = Render<QualityPage>();

        var eth = cut.Find("[data-series=\"ETHUSDT/1m\"]");
        Assert.Equal("5000", eth.GetAttribute("data-bars"));
        Assert.Equal(["up", "down", "sideways", "unknown", "unknown"], eth.QuerySelectorAll("[data-trend]").Select(c => c.GetAttribute("data-trend") ?? string.Empty).ToArray());
        Assert.Contains("2024-05-01 11:59:00 UTC", eth.TextContent, StringComparison.Ordinal);
        Assert.Contains("—", cut.Find("[data-series=\"BTCUSDT/1h\"]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void New_status_and_frames_show_up_on_the_next_tick()
    {
        Seed();
        var cut = Render<QualityPage>();

        _processor.LatestFrame = Frame(AnchorOpenMs + 60_000);
        _processor.Publish(Status(built: 1_235));
        Assert.Equal("1,234", Text(cut, "[data-frames=built]"));

        Time.Advance(QualityPage.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("1,235", Text(cut, "[data-frames=built]")));
        Assert.Equal("2024-05-01T12:01:00.000Z", cut.Find("[data-frame-time]").GetAttribute("data-frame-time"));
    }

    [Fact]
    public void A_processor_without_data_says_so()
    {
        var cut = Render<QualityPage>();

        Assert.Equal("empty", cut.Find("[data-quality-note]").GetAttribute("data-quality-note"));
        Assert.Contains("The data processor has no data yet", Text(cut, "[data-quality-note]"), StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-no-frame]"));
        Assert.NotNull(cut.Find("[data-no-schema]"));
        Assert.NotNull(cut.Find("[data-no-series]"));
        Assert.Equal("0", Text(cut, "[data-frames=built]"));
    }

    [Fact]
    public void A_stopped_processor_is_said_plainly()
    {
        Seed();
        _processes.Publish(Process(ProcessState.Stopped));

        var cut = Render<QualityPage>();

        Assert.Equal("stopped", cut.Find("[data-quality-note]").GetAttribute("data-quality-note"));
        Assert.Contains("The data processor is stopped: the numbers below are from its last run, as of 2024-05-01 12:00:01 UTC", Text(cut, "[data-quality-note]"), StringComparison.Ordinal);
        Assert.Equal("Stopped", cut.Find("[data-state]").GetAttribute("data-state"));
    }

    [Fact]
    public void Without_a_data_processor_the_page_says_so()
    {
        Ctx.Services.AddSingleton<IProcessController>(new FakeProcessController());

        var cut = Render<QualityPage>();

        Assert.Equal("absent", cut.Find("[data-quality-note]").GetAttribute("data-quality-note"));
        Assert.NotNull(cut.Find("[data-processor-absent]"));
    }

    [Fact]
    public async Task The_page_subscribes_only_when_interactive_and_unsubscribes_on_dispose()
    {
        RendererInfo = new Microsoft.AspNetCore.Components.RendererInfo("Static", false);
        Render<QualityPage>();
        Assert.Equal(0, _processor.SubscriberCount);
        await Ctx.DisposeComponentsAsync();

        RendererInfo = new Microsoft.AspNetCore.Components.RendererInfo("Server", true);
        Render<QualityPage>();
        Assert.Equal(1, _processor.SubscriberCount);
        await Ctx.DisposeComponentsAsync();
        Assert.Equal(0, _processor.SubscriberCount);
    }
}
