using System.Net;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Components.Models;

/// <summary>The model pages prerendered by the real host with its real registrations, model serving wired in or not.</summary>
public sealed class ModelPagesHostTests : IAsyncLifetime
{
    private readonly HostFactory _factory = HostFactory.Create(_ => { });

    [Fact]
    public async Task A_viewer_gets_the_predictions_models_and_training_pages()
    {
        using var viewer = await _factory.LoginAsNewUserAsync("model-pages-viewer", UserRole.Viewer);

        foreach (var page in new[] { "predictions", "models", "training" })
        {
            using var response = await viewer.GetAsync("/" + page);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {response.StatusCode}");
            Assert.Contains($"data-page=\"{page}\"", html, StringComparison.Ordinal);
            // A viewer is never offered the admin controls, whether or not model serving is configured.
            Assert.DoesNotContain("data-make-active=", html, StringComparison.Ordinal);
            Assert.DoesNotContain("data-retrain=", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Signed_out_requests_are_sent_to_the_login_page()
    {
        using var anonymous = _factory.CreateBrowserClient();

        using var response = await anonymous.GetAsync("/models");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("login", response.Headers.Location!.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
