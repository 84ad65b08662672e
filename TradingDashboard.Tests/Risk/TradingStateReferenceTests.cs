using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

/// <summary>
/// The risk manager skips most equity updates with a fast path; a plain reference of the rules (divisions on every
/// update) must give the same trading state after every update of long random equity paths.
/// </summary>
public class TradingStateReferenceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Fast_path_and_reference_agree_on_every_update(int seed)
    {
        var options = RiskTestKit.Loose();
        options.MaxDrawdown = 0.10m;
        options.DailyLossLimit = 0.03m;
        var clock = Clock();
        var risk = new RiskManager(options, TradingMode.Paper, clock, audit: new RecordingAuditLog(clock));
        var haltedFor = 0;
        var random = new Random(seed);
        var time = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var equity = 10_000m;

        // Reference state.
        decimal peak = 0, dayStart = 0, last = 0;
        var day = DateOnly.MinValue;
        var state = TradingState.Active;
        var reducedForDay = false;
        var visited = new HashSet<TradingState>();

        for (var i = 0; i < 20_000; i++)
        {
            time = time.AddMinutes(random.Next(1, 30));
            equity = Math.Round(equity * (1m + (decimal)((random.NextDouble() - 0.502) * 0.008)), 2);
            risk.OnEquity(equity, time);

            var today = DateOnly.FromDateTime(time.UtcDateTime);
            if (i == 0)
            {
                day = today;
                dayStart = equity;
                peak = equity;
            }
            else if (today != day)
            {
                day = today;
                dayStart = last;
                if (state == TradingState.Reducing && reducedForDay)
                {
                    state = TradingState.Active;
                    reducedForDay = false;
                }
            }

            last = equity;
            peak = Math.Max(peak, equity);
            var drawdown = 1m - equity / peak;
            var dailyLoss = (dayStart - equity) / dayStart;
            if (drawdown >= 0.10m && state != TradingState.Halted)
            {
                state = TradingState.Halted;
            }
            else if (dailyLoss >= 0.03m && state == TradingState.Active)
            {
                state = TradingState.Reducing;
                reducedForDay = true;
            }

            Assert.True(state == risk.State, $"update {i}: reference {state}, risk manager {risk.State} (equity {equity}, peak {peak}, day start {dayStart})");
            visited.Add(state);

            // An admin resumes after a while; the peak restarts at the current equity (both sides).
            if (state == TradingState.Halted && ++haltedFor == 50)
            {
                haltedFor = 0;
                await risk.SetStateAsync(RiskTestKit.Admin, TradingState.Active, "resume");
                state = TradingState.Active;
                reducedForDay = false;
                peak = equity;
            }
        }

        Assert.Equal(3, visited.Count); // the path went through Active, Reducing and Halted
    }
}
