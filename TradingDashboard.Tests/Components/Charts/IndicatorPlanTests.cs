using TradingDashboard.Components.Charts;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class IndicatorPlanTests
{
    // The columns of the default Trading:Processor:Indicators, in the processor's order.
    private static readonly string[] DefaultColumns =
    [
        "sma_20", "ema_20", "wma_20", "rsi_14", "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9",
        "bb_upper_20_2", "bb_middle_20_2", "bb_lower_20_2", "atr_14", "stoch_k_14_3_3", "stoch_d_14_3_3", "willr_14",
        "cci_20", "adx_14", "plus_di_14", "minus_di_14", "obv", "mfi_14", "roc_10", "stddev_20", "vwap",
    ];

    [Fact]
    public void Default_columns_give_price_overlays_and_rsi_macd_panels()
    {
        var plan = IndicatorPlan.From(DefaultColumns);

        Assert.Equal(["sma_20", "ema_20", "wma_20", "bb_20_2", "vwap"], plan.Overlays.Select(o => o.Key));
        Assert.Equal(["SMA 20", "EMA 20", "WMA 20", "BB 20·2", "VWAP"], plan.Overlays.Select(o => o.Label));
        var band = plan.Overlays.Single(o => o.Kind == PriceOverlayKind.Band);
        Assert.Equal(["bb_upper_20_2", "bb_middle_20_2", "bb_lower_20_2"], band.Columns);
        Assert.Equal([true, true, false, true, false], plan.Overlays.Select(o => o.ShownByDefault));

        Assert.Equal(["rsi_14", "macd_12_26_9"], plan.Panels.Select(p => p.Key));
        Assert.Equal([IndicatorPanelKind.Rsi, IndicatorPanelKind.Macd], plan.Panels.Select(p => p.Kind));
        Assert.Equal(["macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9"], plan.Panels[1].Columns);
        Assert.Equal("MACD 12·26·9", plan.Panels[1].Label);
    }

    [Fact]
    public void Incomplete_bands_and_macd_sets_are_left_out()
    {
        var plan = IndicatorPlan.From(["bb_upper_20_2", "bb_lower_20_2", "macd_12_26_9", "macd_hist_12_26_9", "atr_14"]);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Several_averages_of_one_kind_get_different_colours()
    {
        var plan = IndicatorPlan.From(["sma_20", "sma_50", "ema_9"]);

        Assert.Equal(["sma_20", "sma_50", "ema_9"], plan.Overlays.Select(o => o.Key));
        Assert.NotEqual(plan.Overlays[0].Color, plan.Overlays[1].Color);
        Assert.NotEqual(plan.Overlays[0].Color, plan.Overlays[2].Color);
    }

    [Fact]
    public void Toggles_follow_the_defaults_until_chosen_and_keep_choices()
    {
        var plan = IndicatorPlan.From(DefaultColumns);
        var sma = plan.Overlays[0];
        var wma = plan.Overlays[2];
        var toggles = ChartToggles.Default;

        Assert.True(toggles.IsShown(sma));
        Assert.False(toggles.IsShown(wma));
        Assert.True(toggles.IsLevelShown(3));

        var changed = toggles.With("sma_20", false).With("wma_20", true).WithLevel(3, false);

        Assert.False(changed.IsShown(sma));
        Assert.True(changed.IsShown(wma));
        Assert.False(changed.IsLevelShown(3));
        Assert.True(changed.IsLevelShown(2));
        Assert.True(changed.WithLevel(3, true).IsLevelShown(3));
        // The original is unchanged (records are immutable).
        Assert.True(toggles.IsShown(sma));
        Assert.True(toggles.IsLevelShown(3));
    }
}
