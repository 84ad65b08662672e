using Microsoft.AspNetCore.Components.Authorization;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Security;

/// <summary>
/// The signed-in user of a Blazor page or circuit as an <see cref="Actor"/>, for calling the control services
/// (IProcessController, UserService) from components. Scoped: one per request or circuit. <see cref="Address"/> is
/// the remote address of the HTTP request that rendered the page (Routes.razor sets it), because a circuit has no
/// HttpContext of its own.
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authenticationState)
{
    public string? Address { get; set; }

    public async Task<Actor> GetAsync()
    {
        var state = await authenticationState.GetAuthenticationStateAsync();
        return ActorFactory.FromPrincipal(state.User, Address);
    }
}
