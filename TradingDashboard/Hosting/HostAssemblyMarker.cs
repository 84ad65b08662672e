namespace TradingDashboard.Hosting;

/// <summary>
/// Names the host assembly for <c>WebApplicationFactory&lt;HostAssemblyMarker&gt;</c>. The test project also sees the
/// Trainer's top-level <c>Program</c> (InternalsVisibleTo), so <c>Program</c> alone is ambiguous there; the factory
/// only needs a type of this assembly to find its entry point.
/// </summary>
public sealed class HostAssemblyMarker
{
    private HostAssemblyMarker()
    {
    }
}
