namespace TradingDashboard.Core.Alerts;

public enum AlertSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>Something an operator should see: a source switch, a disconnection, a process fault, a limit hit.</summary>
public sealed record Alert(long Id, DateTimeOffset Time, AlertSeverity Severity, string Category, string Message);

/// <summary>Keeps recent alerts and notifies subscribers (dashboard snackbars, the alert list).</summary>
public interface IAlertService
{
    Alert Raise(AlertSeverity severity, string category, string message);

    IReadOnlyList<Alert> Recent(int limit = 100);

    /// <summary>Calls <paramref name="handler"/> for every new alert until the returned handle is disposed.</summary>
    IDisposable Subscribe(Action<Alert> handler);
}
