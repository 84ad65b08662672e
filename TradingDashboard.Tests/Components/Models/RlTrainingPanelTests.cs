using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using TradingDashboard.Components.Pages.Models;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Tests.Components.Models;

public sealed class RlTrainingPanelTests : ComponentTestBase
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 10, 9, 0, 0, TimeSpan.Zero);

    private sealed class Runs : IRlTrainingRuns
    {
        public List<RlTrainingRunRecord> Items { get; } = [];

        public IReadOnlyList<RlTrainingRunRecord> List() => Items.OrderByDescending(r => r.StartedUtc).ToList();

        public RlTrainingRunRecord? Get(string runId) => Items.FirstOrDefault(r => r.RunId == runId);
    }

    private static RlEpisodeRecord Episode(int n, double pnl, double dd, double vol, double trade) =>
        new(n, "ETHUSDT", T0.AddHours(n), 500, n * 500L, pnl, 0.5 * n, 0.02, pnl - dd - vol - trade, pnl, dd, vol, trade, 0.1 / n, 1.0 - (0.1 * n), 3, 1.25);

    [Fact]
    public void Says_plainly_when_there_is_no_run_store_or_no_run()
    {
        var none = Render<RlTrainingPanel>();
        Assert.NotNull(none.Find("[data-not-configured=rl-runs]"));
    }

    [Fact]
    public void Shows_no_runs_yet_with_an_empty_store()
    {
        Ctx.Services.AddSingleton<IRlTrainingRuns>(new Runs());
        var cut = Render<RlTrainingPanel>();
        Assert.NotNull(cut.Find("[data-rl-runs-empty]"));
    }

    [Fact]
    public void Draws_each_reward_component_per_episode_and_the_newest_run_first()
    {
        var runs = new Runs();
        runs.Items.Add(new RlTrainingRunRecord("old", "rl-dqn", PolicyKinds.Dqn, T0.AddDays(-1), T0, "succeeded", null, "manual", 7, [Episode(1, 0.01, 0.002, 0, 0.001)], null, null));
        runs.Items.Add(new RlTrainingRunRecord("new", "rl-ppo", PolicyKinds.Ppo, T0, null, "running", null, "manual", 11,
            [Episode(1, 0.010, 0.004, 0.001, 0.002), Episode(2, -0.020, 0.010, 0.000, 0.003)],
            new RlEvaluation(T0, T0.AddDays(7), "ETHUSDT", 0.031, 1.234, 1.5, 0.05, 12, 3.5, 10_000), null));
        Ctx.Services.AddSingleton<IRlTrainingRuns>(runs);

        var cut = Render<RlTrainingPanel>();

        Assert.Equal(new[] { "new", "old" }, cut.FindAll("[data-rl-run]").Select(r => r.GetAttribute("data-rl-run") ?? string.Empty).ToArray());
        Assert.NotNull(cut.Find("[data-selected-rl-run=new]"));
        var traces = cut.FindComponents<PlotlyChart>().First(c => c.Instance.Id == "rl-reward").Instance.Data.OfType<Scatter>().ToList();
        Assert.Equal(["reward", "pnl", "− drawdown penalty", "− volatility penalty", "− trade penalty"], traces.Select(t => t.Name).ToArray());
        // Episode 2: reward = -0.020 - 0.010 - 0 - 0.003; penalties are drawn negative so the parts add up to the reward.
        Assert.Equal(-0.033, (double)traces[0].Y[1], 9);
        Assert.Equal(-0.010, (double)traces[2].Y[1], 9);
        Assert.Equal(-0.003, (double)traces[4].Y[1], 9);
        var sum = (double)traces[1].Y[1] + (double)traces[2].Y[1] + (double)traces[3].Y[1] + (double)traces[4].Y[1];
        Assert.Equal((double)traces[0].Y[1], sum, 12);
        Assert.Equal("1.234", cut.Find("[data-rl-validation-sharpe]").TextContent);
        Assert.Equal(new[] { "2", "1" }, cut.FindAll("[data-rl-episode]").Select(r => r.GetAttribute("data-rl-episode") ?? string.Empty).ToArray());
        var learning = cut.FindComponents<PlotlyChart>().First(c => c.Instance.Id == "rl-learning").Instance.Data.OfType<Scatter>().ToList();
        Assert.Equal("exploration", learning[1].Name);
        Assert.Equal(0.8, (double)learning[1].Y[1], 9);   // 1 - 0.1 x episode 2
        Assert.Equal(0.05, (double)learning[0].Y[1], 9);  // loss 0.1 / 2
    }

    [Fact]
    public void Selecting_an_older_run_shows_its_episodes_and_says_when_it_has_no_validation()
    {
        var runs = new Runs();
        runs.Items.Add(new RlTrainingRunRecord("old", "rl-dqn", PolicyKinds.Dqn, T0.AddDays(-1), T0, "failed", "stopped", "manual", 7, [Episode(1, 0.01, 0.002, 0, 0.001)], null, null));
        runs.Items.Add(new RlTrainingRunRecord("new", "rl-ppo", PolicyKinds.Ppo, T0, T0.AddHours(1), "succeeded", null, "manual", 11, [], null, null));
        Ctx.Services.AddSingleton<IRlTrainingRuns>(runs);

        var cut = Render<RlTrainingPanel>();
        Assert.NotNull(cut.Find("[data-rl-episodes-empty]"));
        cut.Find("[data-select-rl-run=old] button, button[data-select-rl-run=old]").Click();

        Assert.NotNull(cut.Find("[data-selected-rl-run=old]"));
        Assert.Single(cut.FindAll("[data-rl-episode]"));
        Assert.NotNull(cut.Find("[data-rl-validation-empty]"));
    }
}
