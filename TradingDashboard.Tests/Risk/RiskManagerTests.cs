using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;
using static TradingDashboard.Tests.Risk.RiskTestKit;

namespace TradingDashboard.Tests.Risk;

public sealed class RiskManagerTests : IDisposable
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = Clock();
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"td-risk-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_dbPath + suffix);
        }
    }

    private RiskManager Manager(RiskOptions? options = null, TradingMode mode = TradingMode.Paper, IExecutionStore? store = null, IAuditLog? audit = null, IAlertService? alerts = null) =>
        new(options ?? Loose(), mode, _clock, store, audit, alerts);

    private SqliteExecutionStore Store() => new(new SqliteDatabase(new SqliteConnectionStringBuilder { DataSource = _dbPath }.ToString()), "Paper");

    [Fact]
    public void Within_limits_the_intent_is_approved_as_is()
    {
        var intent = Entry(1m);
        var decision = Manager().Evaluate(intent, Context(Portfolio(10_000m)));
        Assert.Equal(RiskVerdict.Approve, decision.Verdict);
        Assert.Same(intent, decision.Approved);
        Assert.Empty(decision.Reasons);
    }

    [Fact]
    public void Risk_per_trade_resizes_from_equity_risk_fraction_and_stop_distance_without_touching_the_input()
    {
        var options = Loose();
        options.RiskPerTradeFraction = 0.01m;
        var intent = Entry(4m, stop: 1960m);
        var decision = Manager(options).Evaluate(intent, Context(Portfolio(10_000m)));
        Assert.Equal(RiskVerdict.Resize, decision.Verdict);
        Assert.Equal(2.5m, decision.Approved!.Quantity); // 10000 x 1 % / 40
        Assert.Equal(4m, intent.Quantity);
        Assert.Same(intent, decision.Original);
        Assert.Contains(decision.Reasons, r => r.StartsWith("risk per trade", StringComparison.Ordinal));
    }

    [Fact]
    public void Max_position_per_symbol_counts_the_position_and_open_orders()
    {
        var options = Loose();
        options.MaxPositionNotionalPerSymbol = 5000m;
        var pending = OpenOrder("ETHUSDT", OrderSide.Buy, 0.5m, 2000m);
        var decision = Manager(options).Evaluate(Entry(3m), Context(Portfolio(20_000m, ("ETHUSDT", 1m, 2000m)), 2000m, pending));
        Assert.Equal(1m, decision.Approved!.Quantity); // 5000 / 2000 = 2.5 - 1 held - 0.5 pending
        Assert.Contains(decision.Reasons, r => r.StartsWith("max position per symbol", StringComparison.Ordinal));
    }

    [Fact]
    public void Max_total_exposure_counts_other_symbols()
    {
        var options = Loose();
        options.MaxTotalNotional = 10_000m;
        var decision = Manager(options).Evaluate(Entry(3m), Context(Portfolio(50_000m, ("BTCUSDT", 0.25m, 32_000m))));
        Assert.Equal(1m, decision.Approved!.Quantity); // (10000 - 8000) / 2000
        Assert.Contains(decision.Reasons, r => r.StartsWith("max total exposure", StringComparison.Ordinal));
    }

    [Fact]
    public void Max_leverage_caps_gross_exposure_over_equity()
    {
        var options = Loose();
        options.MaxLeverage = 1m;
        // cash 1000 + 9000 of BTC: equity 10000, gross 9000 -> room for 1000 / 2000 = 0.5
        var decision = Manager(options).Evaluate(Entry(3m), Context(Portfolio(1000m, ("BTCUSDT", 0.3m, 30_000m))));
        Assert.Equal(0.5m, decision.Approved!.Quantity);
        Assert.Contains(decision.Reasons, r => r.StartsWith("max leverage", StringComparison.Ordinal));
    }

    [Fact]
    public void The_smallest_cap_wins_and_every_binding_cap_is_a_reason()
    {
        var options = Loose();
        options.RiskPerTradeFraction = 0.01m; // 2.5
        options.MaxPositionNotionalPerSymbol = 4000m; // 2
        options.MaxTotalNotional = 6000m; // 3: not binding once the others apply
        var decision = Manager(options).Evaluate(Entry(10m), Context(Portfolio(10_000m)));
        Assert.Equal(2m, decision.Approved!.Quantity);
        Assert.Equal(2, decision.Reasons.Count); // risk per trade took 10 to 2.5, the position cap 2.5 to 2
        Assert.StartsWith("risk per trade", decision.Reasons[0], StringComparison.Ordinal);
        Assert.StartsWith("max position per symbol", decision.Reasons[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Max_open_orders_denies_new_exposure_but_not_exits()
    {
        var options = Loose();
        options.MaxOpenOrders = 2;
        var open = new[] { OpenOrder("ETHUSDT", OrderSide.Buy, 0.1m, 1900m), OpenOrder("ETHUSDT", OrderSide.Buy, 0.1m, 1901m) };
        var risk = Manager(options);
        var deny = risk.Evaluate(Entry(1m), Context(Portfolio(10_000m), 2000m, open));
        Assert.Equal(RiskVerdict.Deny, deny.Verdict);
        Assert.StartsWith("max open orders", deny.Reasons[0], StringComparison.Ordinal);
        var exit = new OrderIntent("x", "ETHUSDT", OrderSide.Sell, OrderType.Market, 1m) { ReduceOnly = true };
        Assert.Equal(RiskVerdict.Approve, risk.Evaluate(exit, Context(Portfolio(8_000m, ("ETHUSDT", 1m, 2000m)), 2000m, open)).Verdict);
    }

    [Fact]
    public void Entries_need_a_stop_on_the_loss_side()
    {
        var options = Loose();
        options.RequireStopLoss = true;
        var risk = Manager(options);
        Assert.StartsWith("no stop-loss", risk.Evaluate(Entry(1m, stop: null), Context(Portfolio(10_000m))).Reasons[0], StringComparison.Ordinal);
        Assert.Contains("wrong side", risk.Evaluate(Entry(1m, stop: 2010m), Context(Portfolio(10_000m))).Reasons[0], StringComparison.Ordinal);
        Assert.Contains("wrong side", risk.Evaluate(Entry(1m, stop: 1990m, side: OrderSide.Sell), Context(Portfolio(10_000m))).Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Resized_below_min_notional_is_denied()
    {
        var options = Loose();
        options.MaxPositionNotionalPerSymbol = 4m; // less than the 5 USDT minimum
        var decision = Manager(options).Evaluate(Entry(1m), Context(Portfolio(10_000m)));
        Assert.Equal(RiskVerdict.Deny, decision.Verdict);
        Assert.StartsWith("min notional", decision.Reasons[0], StringComparison.Ordinal);
        Assert.Null(decision.Approved);
    }

    [Fact]
    public void Reduce_only_is_trimmed_to_the_position_and_denied_without_one()
    {
        var risk = Manager();
        var exit = new OrderIntent("x", "ETHUSDT", OrderSide.Sell, OrderType.Market, 3m) { ReduceOnly = true };
        var trimmed = risk.Evaluate(exit, Context(Portfolio(0m, ("ETHUSDT", 1.5m, 2000m))));
        Assert.Equal((RiskVerdict.Resize, 1.5m), (trimmed.Verdict, trimmed.Approved!.Quantity));
        Assert.Equal(RiskVerdict.Deny, risk.Evaluate(exit, Context(Portfolio(10_000m))).Verdict);
    }

    [Fact]
    public async Task Halted_allows_only_protective_exits_and_reducing_only_what_reduces()
    {
        var audit = new RecordingAuditLog(_clock);
        var risk = Manager(audit: audit);
        var portfolio = Portfolio(8000m, ("ETHUSDT", 1m, 2000m));
        var exit = new OrderIntent("x", "ETHUSDT", OrderSide.Sell, OrderType.Market, 1m) { ReduceOnly = true };
        var protective = exit with { IsProtective = true };

        await risk.SetStateAsync(Admin, TradingState.Reducing, "test");
        Assert.Equal(RiskVerdict.Deny, risk.Evaluate(Entry(0.1m), Context(portfolio)).Verdict);
        Assert.Equal(RiskVerdict.Approve, risk.Evaluate(exit, Context(portfolio)).Verdict);

        await risk.SetStateAsync(Admin, TradingState.Halted, "test");
        Assert.Equal(RiskVerdict.Deny, risk.Evaluate(Entry(0.1m), Context(portfolio)).Verdict);
        Assert.Equal(RiskVerdict.Deny, risk.Evaluate(exit, Context(portfolio)).Verdict);
        Assert.Equal(RiskVerdict.Approve, risk.Evaluate(protective, Context(portfolio)).Verdict);
    }

    [Fact]
    public void Circuit_breaker_denies_entries_until_the_cooldown_ends_but_not_exits()
    {
        var options = Loose();
        options.CircuitBreaker = new CircuitBreakerOptions { MaxMoveFraction = 0.05m, WindowSeconds = 60, CooldownSeconds = 300 };
        var alerts = new AlertService(_clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AlertService>.Instance);
        var risk = Manager(options, alerts: alerts);
        risk.OnPrice("BTCUSDT", 30_000, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(risk.OnPrice("BTCUSDT", 28_400, _clock.GetUtcNow())); // -5.33 %

        var deny = risk.Evaluate(Entry(1m), Context(Portfolio(10_000m, ("ETHUSDT", 1m, 2000m))));
        Assert.StartsWith("circuit breaker", deny.Reasons[0], StringComparison.Ordinal);
        var exit = new OrderIntent("x", "ETHUSDT", OrderSide.Sell, OrderType.Market, 1m) { ReduceOnly = true };
        Assert.True(risk.Evaluate(exit, Context(Portfolio(10_000m, ("ETHUSDT", 1m, 2000m)))).IsAllowed);
        Assert.Contains(alerts.Recent(), a => a.Message.StartsWith("Circuit breaker", StringComparison.Ordinal));

        _clock.Advance(TimeSpan.FromSeconds(300));
        Assert.True(risk.Evaluate(Entry(1m), Context(Portfolio(10_000m))).IsAllowed);
    }

    [Fact]
    public void Daily_loss_makes_trading_reducing_until_the_next_utc_day_and_drawdown_halts_it()
    {
        var options = Loose();
        options.DailyLossLimit = 0.05m;
        options.MaxDrawdown = 0.10m;
        var alerts = new AlertService(_clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AlertService>.Instance);
        var risk = Manager(options, alerts: alerts);
        var day1 = new DateTimeOffset(2024, 1, 1, 10, 0, 0, TimeSpan.Zero);

        risk.OnEquity(10_000m, day1);
        risk.OnEquity(9_600m, day1.AddHours(1)); // -4 %: 80 % of the daily limit -> warning
        Assert.Equal(TradingState.Active, risk.State);
        Assert.Contains(alerts.Recent(), a => a.Severity == AlertSeverity.Warning && a.Message.Contains("daily loss", StringComparison.Ordinal));

        risk.OnEquity(9_500m, day1.AddHours(2)); // -5 %
        Assert.Equal(TradingState.Reducing, risk.State);
        Assert.StartsWith("daily loss", risk.StateReason, StringComparison.Ordinal);

        risk.OnEquity(9_520m, day1.AddHours(15)); // next UTC day: back to Active, day start = 9500 (last equity of day 1)
        Assert.Equal(TradingState.Active, risk.State);
        var snapshot = risk.Snapshot(Portfolio(9_520m), 0);
        Assert.Equal(9_500m, snapshot.DayStartEquity);
        Assert.Equal(20m, snapshot.DailyPnl);

        risk.OnEquity(9_000m, day1.AddHours(16)); // drawdown 10 % from the 10000 peak
        Assert.Equal(TradingState.Halted, risk.State);
        risk.OnEquity(9_100m, day1.AddHours(40)); // a new day does not lift a halt
        Assert.Equal(TradingState.Halted, risk.State);
    }

    [Fact]
    public async Task Resuming_needs_an_admin_is_audited_and_restarts_the_peak()
    {
        var options = Loose();
        options.MaxDrawdown = 0.10m;
        var audit = new RecordingAuditLog(_clock);
        var risk = Manager(options, audit: audit);
        risk.OnEquity(10_000m, _clock.GetUtcNow());
        risk.OnEquity(8_900m, _clock.GetUtcNow());
        Assert.Equal(TradingState.Halted, risk.State);

        await Assert.ThrowsAsync<AccessDeniedException>(() => risk.SetStateAsync(Viewer, TradingState.Active, "please"));
        Assert.Equal(TradingState.Halted, risk.State);
        var denied = Assert.Single(audit.Entries);
        Assert.False(denied.Allowed);
        Assert.Equal("victor", denied.Actor);

        await risk.SetStateAsync(Admin, TradingState.Active, "reviewed");
        Assert.Equal(TradingState.Active, risk.State);
        Assert.True(audit.Entries[1].Allowed);
        Assert.Equal("Halted", audit.Entries[1].Before);
        risk.OnEquity(8_900m, _clock.GetUtcNow());
        Assert.Equal(TradingState.Active, risk.State); // the peak is now 8900
        Assert.Equal(8_900m, risk.Snapshot(Portfolio(8_900m), 0).PeakEquity);
    }

    [Fact]
    public async Task Live_ramp_caps_live_orders_and_only_an_admin_raises_it()
    {
        var options = Loose();
        options.LiveRamp = new LiveRampOptions { MaxOrderNotional = 50m, MaxTotalNotional = 200m };
        var audit = new RecordingAuditLog(_clock);
        var live = Manager(options, TradingMode.Live, store: Store(), audit: audit);

        var perOrder = live.Evaluate(Entry(1m), Context(Portfolio(10_000m)));
        Assert.Equal(0.025m, perOrder.Approved!.Quantity); // 50 / 2000
        Assert.Contains(perOrder.Reasons, r => r.StartsWith("live ramp: 50", StringComparison.Ordinal));
        var total = live.Evaluate(Entry(1m), Context(Portfolio(10_000m, ("BTCUSDT", 0.006m, 30_000m)))); // 180 held
        Assert.Equal(0.01m, total.Approved!.Quantity); // (200 - 180) / 2000
        Assert.Equal(1m, Manager(options, TradingMode.Paper).Evaluate(Entry(1m), Context(Portfolio(10_000m))).Approved!.Quantity);

        await Assert.ThrowsAsync<AccessDeniedException>(() => live.SetLiveRampAsync(Viewer, new LiveRampLimits(1000m, 5000m)));
        Assert.Equal(new LiveRampLimits(50m, 200m), live.LiveRamp);
        await live.SetLiveRampAsync(Admin, new LiveRampLimits(1000m, 5000m));
        Assert.Equal([false, true], audit.Entries.Select(e => e.Allowed));
        Assert.Equal("per order 50, total 200", audit.Entries[1].Before);
        Assert.Equal("per order 1000, total 5000", audit.Entries[1].After);

        var restarted = Manager(options, TradingMode.Live, store: Store(), audit: audit);
        Assert.Equal(new LiveRampLimits(1000m, 5000m), restarted.LiveRamp);
        Assert.Equal(0.5m, restarted.Evaluate(Entry(1m), Context(Portfolio(10_000m))).Approved!.Quantity);
    }

    [Fact]
    public void Halted_state_and_the_equity_peak_survive_a_restart()
    {
        var options = Loose();
        options.MaxDrawdown = 0.10m;
        var risk = Manager(options, store: Store());
        risk.OnEquity(12_000m, _clock.GetUtcNow());
        risk.OnEquity(10_700m, _clock.GetUtcNow()); // 10.8 % down
        Assert.Equal(TradingState.Halted, risk.State);

        var restarted = Manager(options, store: Store());
        Assert.Equal(TradingState.Halted, restarted.State);
        Assert.StartsWith("max drawdown", restarted.StateReason, StringComparison.Ordinal);
        Assert.Equal(12_000m, restarted.Snapshot(Portfolio(10_700m), 0).PeakEquity);
    }

    [Fact]
    public void Metrics_snapshot_reports_each_limit_with_its_distance()
    {
        var options = Loose();
        options.MaxDrawdown = 0.20m;
        options.MaxLeverage = 2m;
        options.MaxOpenOrders = 10;
        var risk = Manager(options);
        risk.OnEquity(10_000m, _clock.GetUtcNow());
        var portfolio = Portfolio(1_000m, ("ETHUSDT", 4m, 2000m)); // equity 9000, gross 8000
        risk.OnEquity(portfolio.Equity, _clock.GetUtcNow());
        var s = risk.Snapshot(portfolio, 3);

        Assert.Equal(0.1m, s.Drawdown);
        Assert.Equal(-1000m, s.DailyPnl);
        var drawdown = s.Limits.Single(l => l.Name == "drawdown");
        Assert.Equal((0.1m, 0.2m, 0.5m, 0.1m, LimitStatus.Ok), (drawdown.Value, drawdown.Limit, drawdown.Usage, drawdown.Distance, drawdown.Status));
        var leverage = s.Limits.Single(l => l.Name == "leverage");
        Assert.Equal(8000m / 9000m, leverage.Value);
        Assert.Equal(3, s.Limits.Single(l => l.Name == "open orders").Value);
        Assert.Contains(s.Limits, l => l.Name == "position ETHUSDT" && l.Value == 8000m);
    }

    [Fact]
    public async Task Admin_actions_without_an_audit_log_are_refused() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => Manager().SetStateAsync(Admin, TradingState.Halted, "x"));
}
