using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging;
using MudBlazor;
using TradingDashboard.Core.Security;
using TradingDashboard.Security;
using TradingDashboard.Ui;

namespace TradingDashboard.Components.Pages.Trading;

/// <summary>
/// What the trading pages share: the signed-in <see cref="Actor"/> (admin controls are only enabled for admins; the
/// services check the role again on the server), a throttled refresh driven by the trading core's subscriptions, and
/// running an action with refusals and failures shown as snackbars.
/// </summary>
public abstract class TradingPageBase : ComponentBase, IDisposable
{
    /// <summary>The page re-reads the trading core at most this often, however often it changes.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(500);

    private readonly List<IDisposable> _subscriptions = [];
    private UiThrottle? _throttle;

    [Inject]
    protected CurrentActor CurrentActor { get; set; } = default!;

    [Inject]
    protected ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    protected TimeProvider Clock { get; set; } = default!;

    [Inject]
    protected ILoggerFactory LoggerFactory { get; set; } = default!;

    protected Actor? Actor { get; private set; }

    protected bool IsAdmin => Actor?.IsAdmin == true;

    /// <summary>True while an action runs (its buttons are disabled).</summary>
    protected bool Busy { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        // Read first: the page must have something to render if getting the actor does not complete at once.
        Refresh();
        Actor = await CurrentActor.GetAsync();
        if (RendererInfo.IsInteractive)
        {
            var logger = LoggerFactory.CreateLogger(GetType());
            _throttle = new UiThrottle(Clock, RefreshInterval, () => InvokeAsync(() =>
            {
                Refresh();
                StateHasChanged();
            }), logger);
            _subscriptions.AddRange(Subscribe(_throttle.MarkDirty));
            _throttle.Start();
        }
    }

    /// <summary>Re-reads what the page shows (on the renderer's thread).</summary>
    protected abstract void Refresh();

    /// <summary>Subscribes to the changes that should refresh the page; <paramref name="markDirty"/> is thread-safe.</summary>
    protected abstract IEnumerable<IDisposable> Subscribe(Action markDirty);

    /// <summary>Asks for a refresh on the next tick (e.g. prices move without an order event).</summary>
    protected void MarkDirty() => _throttle?.MarkDirty();

    /// <summary>
    /// Runs an admin action as the signed-in actor. An <see cref="AccessDeniedException"/> from the service becomes an
    /// "Access denied" snackbar, any other failure an error snackbar; returns whether it succeeded.
    /// </summary>
    protected async Task<bool> RunActionAsync(string action, Func<Actor, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (Busy)
        {
            return false;
        }

        Busy = true;
        var actor = await CurrentActor.GetAsync();
        var logger = LoggerFactory.CreateLogger(GetType());
        try
        {
            await work(actor);
            return true;
        }
        catch (AccessDeniedException ex)
        {
            TradingUiLog.ActionDenied(logger, action, actor.Name);
            Snackbar.Add($"Access denied: cannot {action}. {ex.Message}", Severity.Error);
            return false;
        }
#pragma warning disable CA1031 // Whatever the trading core throws is shown to the operator; the page must stay usable.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TradingUiLog.ActionFailed(logger, ex, action, actor.Name);
            Snackbar.Add($"Could not {action}: {ex.Message}", Severity.Error);
            return false;
        }
        finally
        {
            Busy = false;
            Refresh();
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
        _throttle?.Dispose();
    }
}
