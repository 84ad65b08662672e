using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Security;
using TradingDashboard.Tests.Execution;

namespace TradingDashboard.Tests.Components.Trading;

/// <summary>
/// The trading pages over real in-memory trading core instances: a paper exchange, order manager, risk manager,
/// kill switch and manual orders (ExecutorHarness), with the signed-in user from bunit's authorization.
/// </summary>
public abstract class TradingPageTestBase : ComponentTestBase, IDisposable
{
    public const string Address = "10.0.0.5";

    private protected TradingPageTestBase()
    {
        H = new ExecutorHarness();
        KillSwitch = new KillSwitch(H.Risk, H.Orders, H.Audit, H.Clock);
        Ctx.Services.AddSingleton(H.Orders);
        Ctx.Services.AddSingleton(H.Risk);
        Ctx.Services.AddSingleton(KillSwitch);
        Ctx.Services.AddSingleton(new ManualOrders(H.Orders, H.Risk, H.Audit));
        Ctx.Services.AddSingleton<IExecutionStore>(NullExecutionStore.Instance);
        Ctx.Services.AddScoped(sp => new CurrentActor(sp.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>()) { Address = Address });
        Auth = Ctx.AddAuthorization();
    }

    private protected ExecutorHarness H { get; }

    protected KillSwitch KillSwitch { get; }

    protected Bunit.TestDoubles.BunitAuthorizationContext Auth { get; }

    protected void SignIn(string name, string role)
    {
        Auth.SetAuthorized(name);
        Auth.SetRoles(role);
    }

    /// <summary>Puts on a long ETHUSDT position of 2.5 at 2000 (1 % risk over the 2 % fixed stop), marked at 2005.</summary>
    protected async Task OpenLongAsync()
    {
        await H.Bar(ExecutionTestKit.T0 - ExecutorHarness.M, 2000, 2000, 2000, 2000);
        await H.Executor.ApplyTargetAsync(H.Target(1m));
        await H.Bar(ExecutionTestKit.T0, 2000, 2010, 1990, 2005);
    }

    public void Dispose()
    {
        H.Dispose();
        GC.SuppressFinalize(this);
    }
}
