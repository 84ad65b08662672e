using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components;

/// <summary>
/// A bunit context set up like the dashboard host: <see cref="DashboardUiServiceCollectionExtensions.AddDashboardUi"/>,
/// loose JS interop, an interactive Server renderer and a fake clock that drives every UI timer. Held, not inherited:
/// MudBlazor's services dispose only asynchronously.
/// </summary>
public abstract class ComponentTestBase : IAsyncLifetime
{
    protected ComponentTestBase()
    {
        Ctx = new BunitContext();
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        Ctx.Services.AddSingleton<TimeProvider>(Time);
        Ctx.Services.AddSingleton(Options.Create(TradingOptions));
        Ctx.Services.AddLogging();
        Ctx.Services.AddDashboardUi();
    }

    /// <summary>What components see as RendererInfo; set a non-interactive one to test prerendering.</summary>
    protected RendererInfo RendererInfo { get; set; } = new("Server", true);

    protected BunitContext Ctx { get; }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));

    protected TradingOptions TradingOptions { get; } = new() { Symbols = ["ETHUSDT", "BTCUSDT"], Timeframes = ["1s", "1m", "1h", "1d"] };

    protected ISnackbar Snackbar => Ctx.Services.GetRequiredService<ISnackbar>();

    /// <summary>Renders <typeparamref name="TComponent"/>; register services before the first call.</summary>
    protected IRenderedComponent<TComponent> Render<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>>? parameters = null)
        where TComponent : IComponent
    {
        // Setting the renderer info builds the service provider, so it happens here, after the test's registrations.
        Ctx.SetRendererInfo(RendererInfo);
        return Ctx.Render(parameters ?? (_ => { }));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Ctx.DisposeAsync();
}
