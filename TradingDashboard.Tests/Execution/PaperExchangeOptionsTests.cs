using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Execution;

public sealed class PaperExchangeOptionsTests
{
    [Fact]
    public void WithInitialCash_changes_only_the_cash_and_leaves_the_original_alone()
    {
        var original = new PaperExchangeOptions
        {
            InitialCash = 500m,
            MakerFeeRate = 0.0002m,
            TakerFeeRate = 0.0007m,
            SlippageBps = 3m,
            SizeImpactBps = 4m,
            MaxVolumeParticipation = 0.25m,
            LatencyMs = 7,
            AllowShortSelling = true,
            AmendStopOrders = false,
            MatchTimeframe = "1s",
        };

        var copy = original.WithInitialCash(12_345m);

        Assert.NotSame(original, copy);
        Assert.Equal(12_345m, copy.InitialCash);
        Assert.Equal(500m, original.InitialCash);
        Assert.Equal((0.0002m, 0.0007m, 3m, 4m, 0.25m, 7, true, false, "1s"),
            (copy.MakerFeeRate, copy.TakerFeeRate, copy.SlippageBps, copy.SizeImpactBps, copy.MaxVolumeParticipation, copy.LatencyMs, copy.AllowShortSelling, copy.AmendStopOrders, copy.MatchTimeframe));
    }
}
