namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// The "something changed" listeners of a service that a dashboard page subscribes to: a copy-on-write list, so adding and
/// removing take a lock and raising never does. A listener that throws (a closed dashboard circuit) is reported through
/// the raiser's callback and the others still run. Disposing a subscription twice is harmless.
/// </summary>
public sealed class ChangeListeners
{
    private readonly Lock _gate = new();
    private volatile Action[] _listeners = [];

    public IDisposable Add(Action listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Removal(this, listener);
    }

    /// <summary>Calls every listener; <paramref name="failed"/> gets each exception a listener throws.</summary>
    public void Raise(Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        foreach (var listener in _listeners)
        {
            try
            {
                listener();
            }
#pragma warning disable CA1031 // A faulty subscriber (a closed page) must not stop the service that raises.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failed(ex);
            }
        }
    }

    private void Remove(Action listener)
    {
        lock (_gate)
        {
            _listeners = _listeners.Where(l => l != listener).ToArray();
        }
    }

    private sealed class Removal(ChangeListeners owner, Action listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(listener);
            }
        }
    }
}
