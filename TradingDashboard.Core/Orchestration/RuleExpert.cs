using Microsoft.Extensions.Options;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Strategies;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The rule expert ("rule"): <see cref="PivotBreakoutStrategy"/>'s decision for each bar as a vote. The strategy is fed
/// as if it traded alone: the expert keeps its own virtual long/flat position per symbol (long after its Buy, flat after
/// its Sell), so its entries and exits do not depend on what the orchestrator did. A long target is Buy, a flat or short
/// target is Sell, with the strategy's confidence (1.0); no target is Hold with confidence 0 (no opinion either way
/// beyond "nothing to do"). Votes during warm-up are real (the strategy is told it is not warming up; nothing trades).
/// </summary>
public sealed class RuleExpert : IExpert
{
    public const string ExpertName = "rule";

    private readonly PivotBreakoutStrategy _strategy;
    private readonly VirtualContext _context = new();

    public RuleExpert(IOptions<OrchestratorOptions> options, IOptions<TradingOptions> trading, IOptions<RuleStrategyOptions>? rule = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trading);
        var symbols = OrchestratorSymbols.Resolve(options.Value, trading.Value);
        var ruleOptions = rule?.Value ?? new RuleStrategyOptions();
        _strategy = new PivotBreakoutStrategy(
            symbols,
            new PivotBreakoutSettings(ruleOptions.Level, ruleOptions.AtrPeriod, TimeframeExtensions.Parse(options.Value.Timeframe)));
    }

    public RuleExpert(PivotBreakoutStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        _strategy = strategy;
    }

    public string Name => ExpertName;

    public ExpertVote Vote(ExpertContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context.Now = context.Now;
        var target = _strategy.OnBar(context.Bar, _context);
        if (target is null)
        {
            return ExpertVote.Create(AgentAction.Hold, 0, "no pivot break");
        }

        if (target.TargetFraction > 0)
        {
            _context.Long.Add(target.Symbol);
            return ExpertVote.Create(AgentAction.Buy, target.Confidence, target.Reason);
        }

        _context.Long.Remove(target.Symbol);
        return ExpertVote.Create(AgentAction.Sell, target.Confidence, target.Reason);
    }

    /// <summary>The strategy's view: its own virtual position (1 unit when long), never warming up.</summary>
    private sealed class VirtualContext : IStrategyContext
    {
        public HashSet<string> Long { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Now { get; set; }

        public bool IsWarmup => false;

        public decimal Equity => 1m;

        public decimal PositionOf(string symbol) => Long.Contains(symbol) ? 1m : 0m;
    }
}

public static class OrchestratorSymbols
{
    /// <summary>Trading:Orchestrator:Symbols, or the primary symbol when empty.</summary>
    public static IReadOnlyList<string> Resolve(OrchestratorOptions options, TradingOptions trading)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trading);
        return options.Symbols.Count > 0 ? options.Symbols.Distinct(StringComparer.Ordinal).ToArray() : [trading.PrimarySymbol];
    }
}
