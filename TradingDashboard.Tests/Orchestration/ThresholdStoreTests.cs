using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Risk;

namespace TradingDashboard.Tests.Orchestration;

public sealed class ThresholdStoreTests : IDisposable
{
    private readonly ThresholdTestDatabase _db = new(entry: 0.6, exit: 0.4);

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Symbols_start_at_the_configured_defaults()
    {
        var eth = _db.Store.Get("ETHUSDT");
        Assert.Equal(0.6, eth.Entry);
        Assert.Equal(0.4, eth.Exit);
        Assert.True(eth.IsDefault);
        Assert.Equal(["ETHUSDT", "BTCUSDT"], _db.Store.All.Select(t => t.Symbol));
        Assert.All(_db.Store.All, t => Assert.Null(t.UpdatedBy));
    }

    [Fact]
    public async Task A_viewer_is_refused_on_the_server_audited_as_denied_and_nothing_changes()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.Store.SetAsync(RiskTestKit.Viewer, "ETHUSDT", 0.3, 0.2));
        var anonymous = Actor.Anonymous("10.1.1.1");
        await Assert.ThrowsAsync<AccessDeniedException>(() => _db.Store.SetAsync(anonymous, "ETHUSDT", 0.3, 0.2));

        Assert.Equal(2, _db.Audit.Entries.Count);
        var entry = _db.Audit.Entries[0];
        Assert.False(entry.Allowed);
        Assert.Equal("victor", entry.Actor);
        Assert.Equal(SqliteThresholdStore.AuditAction, entry.Action);
        Assert.Equal("ETHUSDT", entry.Target);
        Assert.Equal("entry=0.6 exit=0.4", entry.Before);
        Assert.Equal("entry=0.3 exit=0.2", entry.After);
        Assert.False(_db.Audit.Entries[1].Allowed);
        Assert.Equal(0.6, _db.Store.Get("ETHUSDT").Entry);
        Assert.Equal(0.6, _db.NewStore().Get("ETHUSDT").Entry);
    }

    [Fact]
    public async Task An_admin_change_is_audited_with_before_and_after_and_survives_a_new_store_on_the_same_file()
    {
        var changes = 0;
        using var subscription = _db.Store.Subscribe(() => changes++);

        await _db.Store.SetAsync(RiskTestKit.Admin, "ETHUSDT", 0.75, 0.35);
        await _db.Store.SetAsync(RiskTestKit.Admin, "ETHUSDT", 0.7, 0.7);

        Assert.Equal(2, changes);
        Assert.Collection(
            _db.Audit.Entries,
            e =>
            {
                Assert.True(e.Allowed);
                Assert.Equal("alice", e.Actor);
                Assert.Equal("ETHUSDT", e.Target);
                Assert.Equal("entry=0.6 exit=0.4", e.Before);
                Assert.Equal("entry=0.75 exit=0.35", e.After);
            },
            e =>
            {
                Assert.Equal("entry=0.75 exit=0.35", e.Before);
                Assert.Equal("entry=0.7 exit=0.7", e.After);
            });

        var reopened = _db.NewStore();
        var eth = reopened.Get("ETHUSDT");
        Assert.Equal(0.7, eth.Entry);
        Assert.Equal(0.7, eth.Exit);
        Assert.False(eth.IsDefault);
        var row = reopened.All.Single(t => t.Symbol == "ETHUSDT");
        Assert.Equal("alice", row.UpdatedBy);
        Assert.Equal(_db.Clock.GetUtcNow(), row.UpdatedAt);
        Assert.True(reopened.Get("BTCUSDT").IsDefault);
    }

    [Theory]
    [InlineData(0.5, 0.6)]
    [InlineData(1.2, 0.1)]
    [InlineData(0.5, -0.1)]
    [InlineData(double.NaN, 0.1)]
    [InlineData(0.5, double.PositiveInfinity)]
    public async Task Bad_values_are_rejected_and_counted_and_change_nothing(double entry, double exit)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _db.Store.SetAsync(RiskTestKit.Admin, "ETHUSDT", entry, exit));

        Assert.Equal(1, _db.Store.RejectedChanges);
        Assert.Empty(_db.Audit.Entries);
        Assert.True(_db.Store.Get("ETHUSDT").IsDefault);
    }

    [Fact]
    public async Task An_unknown_symbol_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _db.Store.SetAsync(RiskTestKit.Admin, "DOGEUSDT", 0.5, 0.4));
        Assert.Equal(1, _db.Store.RejectedChanges);
    }
}
