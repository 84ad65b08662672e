namespace TradingDashboard.Core.Security;

public enum UserRole
{
    Viewer,
    Admin,
}

/// <summary>
/// Who is asking for an action, as established by the host (cookie login or API token). Control services take an
/// actor and check its role themselves: the markup hiding a button is never the only guard.
/// </summary>
/// <param name="Name">User name ("anonymous" when not authenticated).</param>
/// <param name="Role">Role, or null for an anonymous caller.</param>
/// <param name="Address">Remote address, for the audit log.</param>
public sealed record Actor(string Name, UserRole? Role, string? Address)
{
    public static Actor Anonymous(string? address) => new("anonymous", null, address);

    public static Actor System { get; } = new("system", UserRole.Admin, null);

    public bool IsAdmin => Role == UserRole.Admin;
}

/// <summary>Thrown by a control service when the actor's role does not allow the action. The host maps it to 403.</summary>
public sealed class AccessDeniedException : Exception
{
    public AccessDeniedException()
    {
    }

    public AccessDeniedException(string message)
        : base(message)
    {
    }

    public AccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
