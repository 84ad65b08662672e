using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Security;

public sealed class SqliteAuditLogTests : IDisposable
{
    private readonly SecurityTestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Records_who_when_where_what_and_lists_newest_first()
    {
        await _db.Audit.RecordAsync(new Actor("alice", UserRole.Admin, "192.168.1.5"), "process.stop", "MarketDataFeed", "Running", "Stopped", allowed: true);
        _db.Time.Advance(TimeSpan.FromSeconds(90));
        await _db.Audit.RecordAsync(Actor.Anonymous(null), "process.start", "MarketDataFeed", null, null, allowed: false);

        var entries = await _db.Audit.RecentAsync(10);

        Assert.Equal(2, entries.Count);
        var newest = entries[0];
        Assert.Equal(("anonymous", (string?)null, "process.start", false), (newest.Actor, newest.Address, newest.Action, newest.Allowed));
        Assert.Equal(SecurityTestDatabase.Start.AddSeconds(90), newest.Time);
        var oldest = entries[1];
        Assert.Equal(
            new AuditEntry(oldest.Id, SecurityTestDatabase.Start, "alice", "192.168.1.5", "process.stop", "MarketDataFeed", "Running", "Stopped", true),
            oldest);
        Assert.True(newest.Id > oldest.Id);
    }

    [Fact]
    public async Task Recent_respects_the_limit()
    {
        for (var i = 0; i < 5; i++)
        {
            await _db.Audit.RecordAsync(Actor.System, "a", "t" + i, null, null, allowed: true);
        }

        var entries = await _db.Audit.RecentAsync(2);

        Assert.Equal(["t4", "t3"], entries.Select(e => e.Target));
    }
}
