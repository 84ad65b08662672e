using System.Net;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public sealed class ProcessControlApiTests(HostFactory factory) : IClassFixture<HostFactory>
{
    [Fact]
    public async Task Viewer_can_list_processes_as_camel_case_json_with_states_as_text()
    {
        using var viewer = await factory.LoginAsNewUserAsync("list-viewer", UserRole.Viewer);

        using var response = await viewer.GetAsync("/api/processes");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        var writer = json.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "CandleWriter");
        Assert.Equal("Running", writer.GetProperty("state").GetString());
        Assert.Equal(12.5, writer.GetProperty("messagesPerSecond").GetDouble());
        Assert.Equal(1234, writer.GetProperty("messagesTotal").GetInt64());
    }

    [Fact]
    public async Task Viewer_start_is_refused_with_403_changes_nothing_and_is_audited_as_not_allowed()
    {
        using var viewer = await factory.LoginAsNewUserAsync("ctl-viewer", UserRole.Viewer);
        var before = factory.Processes.Get("MarketDataFeed")!.State;

        using var response = await viewer.PostEmptyAsync("/api/processes/MarketDataFeed/start");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal(before, factory.Processes.Get("MarketDataFeed")!.State);
        Assert.DoesNotContain(factory.Processes.Calls, c => c.Actor.Name == "ctl-viewer");
        var entry = Assert.Single(await factory.AuditAsync(), e => e.Actor == "ctl-viewer" && e.Action.StartsWith("process.", StringComparison.Ordinal));
        Assert.Equal(("process.start", "MarketDataFeed", false), (entry.Action, entry.Target, entry.Allowed));
    }

    [Fact]
    public async Task Admin_start_and_stop_reach_the_controller_as_the_admin_and_are_audited_as_allowed()
    {
        await factory.CreateUserAsync("ctl-admin", "ctl-admin-password", UserRole.Admin);
        using var admin = await factory.LoginAsync("ctl-admin", "ctl-admin-password");
        factory.Processes.Set(new ProcessInfo("ReplayFeed", "Replay", ProcessState.Stopped, null, 0, 0, null, null));

        using var start = await admin.PostEmptyAsync("/api/processes/ReplayFeed/start");

        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.Equal("Running", (await start.JsonAsync()).GetProperty("state").GetString());
        Assert.Equal(ProcessState.Running, factory.Processes.Get("ReplayFeed")!.State);
        var call = Assert.Single(factory.Processes.Calls, c => c.Actor.Name == "ctl-admin");
        Assert.Equal(("start", "ReplayFeed", UserRole.Admin), (call.Verb, call.Name, call.Actor.Role));

        using var stop = await admin.PostEmptyAsync("/api/processes/ReplayFeed/stop");

        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal(ProcessState.Stopped, factory.Processes.Get("ReplayFeed")!.State);
        var entries = (await factory.AuditAsync()).Where(e => e.Actor == "ctl-admin" && e.Target == "ReplayFeed").ToList();
        Assert.Equal([("process.stop", true), ("process.start", true)], entries.Select(e => (e.Action, e.Allowed)));
    }

    [Fact]
    public async Task Unknown_process_is_404_with_an_error_body()
    {
        using var admin = await factory.LoginAsAdminAsync();

        using var response = await admin.PostEmptyAsync("/api/processes/NoSuchThing/stop");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("NoSuchThing", (await response.JsonAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_start_is_401_and_audited()
    {
        using var anonymous = factory.CreateBrowserClient();

        using var response = await anonymous.PostEmptyAsync("/api/processes/CandleWriter/stop");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProcessState.Running, factory.Processes.Get("CandleWriter")!.State);
        Assert.Contains(await factory.AuditAsync(), e => e is { Actor: "anonymous", Action: "process.stop", Target: "CandleWriter", Allowed: false });
    }
}
