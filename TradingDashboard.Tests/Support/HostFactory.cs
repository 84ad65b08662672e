using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;
using TradingDashboard.Hosting;
using TradingDashboard.Security;
using TradingDashboard.Tests.Host.Fakes;

namespace TradingDashboard.Tests.Support;

/// <summary>Settings of one <see cref="HostFactory"/>.</summary>
public sealed class HostFactoryOptions
{
    /// <summary>Configuration overrides ("Trading:Auth:MaxFailedLogins" = "3"); they win over appsettings.json and environment variables.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Register the fakes (<see cref="HostFactory.Candles"/>, <see cref="HostFactory.MarketDataStatus"/>, a FakeProcessController, <see cref="HostFactory.MarketDataMetrics"/>) instead of the real market data services.</summary>
    public bool UseFakeMarketData { get; set; } = true;

    /// <summary>Password of the first admin; null leaves Trading:Auth:AdminPassword empty, so the host generates one and prints it.</summary>
    public string? AdminPassword { get; set; } = HostFactory.DefaultAdminPassword;

    /// <summary>Data folder to use (e.g. a second start on the same database); null: a new temp folder, deleted on dispose.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Run real Kestrel on 127.0.0.1 with a free port instead of the in-memory TestServer (real remote addresses, browsers).</summary>
    public bool UseKestrel { get; set; }

    /// <summary>Replace the clock (also used by the audit log, lockouts and /metrics).</summary>
    public FakeTimeProvider? Time { get; set; }

    /// <summary>Further service replacements, applied last.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }
}

/// <summary>
/// The real host (Program) for tests, with a temporary data folder, settings overrides, fakes of the market data
/// services and helpers to create users, sign in and get API tokens. One instance per test class
/// (IClassFixture&lt;HostFactory&gt;) or per test (new HostFactory(o => ...)); dispose it to delete the folder.
/// </summary>
public sealed partial class HostFactory : WebApplicationFactory<HostAssemblyMarker>
{
    public const string AdminUserName = "admin";
    public const string DefaultAdminPassword = "admin-password-for-tests";

    private readonly HostFactoryOptions _options = new();
    private readonly bool _ownsDataDirectory;
    private bool _startFailed;
    private bool _cleanedUp;
    private string? _connectionString;

    /// <summary>Default settings; this is the constructor xunit uses for IClassFixture&lt;HostFactory&gt;.</summary>
    public HostFactory()
        : this(null)
    {
    }

    private HostFactory(Action<HostFactoryOptions>? configure)
    {
        configure?.Invoke(_options);
        _ownsDataDirectory = _options.DataDirectory is null;
        DataDirectory = _options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "td-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        if (_options.UseKestrel)
        {
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }
    }

    public string DataDirectory { get; }

    /// <summary>A factory with its own settings, e.g. <c>HostFactory.Create(o => o.Settings["Trading:Auth:MaxFailedLogins"] = "3")</c>.</summary>
    public static HostFactory Create(Action<HostFactoryOptions> configure) => new(configure);

    /// <summary>What the host printed on the console at first start (the generated admin password banner).</summary>
    public StringWriter ConsoleOutput { get; } = new();

    public FakeCandleCache Candles { get; } = new();

    public FakeMarketDataStatusProvider MarketDataStatus { get; } = new();

    public MarketDataMetrics MarketDataMetrics { get; } = new();

    /// <summary>The fake process controller (only with <see cref="HostFactoryOptions.UseFakeMarketData"/>).</summary>
    public FakeProcessController Processes => (FakeProcessController)Services.GetRequiredService<IProcessController>();

    /// <summary>Base address of the real server (starts it); only with <see cref="HostFactoryOptions.UseKestrel"/>.</summary>
    public Uri ServerAddress
    {
        get
        {
            if (!_options.UseKestrel)
            {
                throw new InvalidOperationException("ServerAddress needs HostFactoryOptions.UseKestrel.");
            }

            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First());
        }
    }

    /// <summary>An anonymous client that keeps cookies and does not follow redirects (so tests see 302s).</summary>
    public HttpClient CreateBrowserClient()
    {
        if (_options.UseKestrel)
        {
#pragma warning disable CA2000 // The client owns and disposes the handler.
            var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
#pragma warning restore CA2000
            return new HttpClient(handler, disposeHandler: true) { BaseAddress = ServerAddress };
        }

        return CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
    }

    /// <summary>A client that sends "Authorization: Bearer <paramref name="token"/>" on every request.</summary>
    public HttpClient CreateBearerClient(string token)
    {
        var client = CreateBrowserClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates a user directly through the UserService (as the system actor).</summary>
    public Task<UserAccount> CreateUserAsync(string name, string password, UserRole role) =>
        Services.GetRequiredService<UserService>().CreateAsync(Actor.System, name, role, password);

    /// <summary>Creates a personal API token for an existing user and returns the secret.</summary>
    public async Task<string> CreateApiTokenAsync(string userName, string tokenName = "test")
    {
        var user = await Services.GetRequiredService<SqliteUserStore>().FindAsync(userName)
            ?? throw new InvalidOperationException($"No user '{userName}'.");
        var issued = await Services.GetRequiredService<UserService>().CreateTokenAsync(new Actor(user.Name, user.Role, null), tokenName);
        return issued.Token;
    }

    /// <summary>Posts the login form the way a browser does (antiforgery token from the page included). Returns the response (302).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string userName, string password, string? returnUrl = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var page = await client.GetStringAsync(new Uri("/login", UriKind.Relative));
        var token = AntiforgeryField().Match(page);
        if (!token.Success)
        {
            throw new InvalidOperationException("The login page has no antiforgery token.");
        }

        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["UserName"] = userName,
            ["Password"] = password,
        };
        if (returnUrl is not null)
        {
            fields["ReturnUrl"] = returnUrl;
        }

        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri("/account/login", UriKind.Relative), form);
    }

    /// <summary>A client signed in with the login cookie; throws when the login is refused.</summary>
    public async Task<HttpClient> LoginAsync(string userName, string password)
    {
        var client = CreateBrowserClient();
        using var response = await PostLoginAsync(client, userName, password);
        var location = response.Headers.Location?.OriginalString ?? string.Empty;
        if (response.StatusCode != HttpStatusCode.Redirect || location.StartsWith("/login", StringComparison.Ordinal))
        {
            client.Dispose();
            throw new InvalidOperationException($"Login of '{userName}' failed: {(int)response.StatusCode} -> {location}");
        }

        return client;
    }

    public Task<HttpClient> LoginAsAdminAsync() =>
        LoginAsync(AdminUserName, _options.AdminPassword ?? throw new InvalidOperationException("The admin password was generated; read it from ConsoleOutput."));

    /// <summary>Creates a viewer (or admin) and returns a client signed in as it.</summary>
    public async Task<HttpClient> LoginAsNewUserAsync(string name, UserRole role, string password = "user-password-for-tests")
    {
        await CreateUserAsync(name, password, role);
        return await LoginAsync(name, password);
    }

    public Task<IReadOnlyList<AuditEntry>> AuditAsync(int limit = 200) => Services.GetRequiredService<IAuditLog>().RecentAsync(limit);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new Dictionary<string, string?>(_options.Settings, StringComparer.OrdinalIgnoreCase);
        settings.TryAdd("Trading:Storage:DataDirectory", DataDirectory);
        settings.TryAdd("Trading:Auth:AdminPassword", _options.AdminPassword ?? string.Empty);

        // An empty models folder of its own: host tests do not load the shipped models unless they ask for them.
        settings.TryAdd("Trading:Models:Directory", Path.Combine(DataDirectory, "models"));
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings));

        builder.ConfigureTestServices(services =>
        {
            // Fewer PBKDF2 iterations than production: the hashing is the same code, the tests stay quick.
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
            services.AddSingleton(new FirstStartConsole(ConsoleOutput));
            if (_options.Time is { } time)
            {
                services.AddSingleton<TimeProvider>(time);
            }

            if (_options.UseFakeMarketData)
            {
                services.AddSingleton<ICandleCache>(Candles);
                services.AddSingleton<IMarketDataStatusProvider>(MarketDataStatus);
                services.AddSingleton(MarketDataMetrics);
                services.AddSingleton<IProcessController>(sp => new FakeProcessController(sp.GetRequiredService<IAuditLog>()));

                // With fakes in place, the real pipeline must not run (it would reach for the network).
                var realPipeline = services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(ProcessHostService)).ToList();
                foreach (var descriptor in realPipeline)
                {
                    services.Remove(descriptor);
                }
            }

            _options.ConfigureServices?.Invoke(services);
        });
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        try
        {
            var host = base.CreateHost(builder);
            _connectionString = host.Services.GetService<SqliteDatabase>()?.ConnectionString;
            return host;
        }
        catch
        {
            _startFailed = true;
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        catch (Exception) when (_startFailed)
        {
            // A host that failed to start (configuration error tests) cannot be stopped cleanly.
        }

        CleanUp();
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        catch (Exception) when (_startFailed)
        {
            // As above.
        }

        if (disposing)
        {
            CleanUp();
        }
    }

    private void CleanUp()
    {
        if (_cleanedUp)
        {
            return;
        }

        _cleanedUp = true;
        ConsoleOutput.Dispose();
        if (_connectionString is not null)
        {
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }

        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
