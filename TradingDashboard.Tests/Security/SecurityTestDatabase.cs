using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Tests.Security;

/// <summary>A fresh SQLite file with the security stores and services wired by hand, on a fake clock.</summary>
public sealed class SecurityTestDatabase : IDisposable
{
    public SecurityTestDatabase(int maxFailedLogins = 3, int lockoutMinutes = 5)
    {
        Directory.CreateDirectory(DirectoryPath);
        Database = new SqliteDatabase(new SqliteConnectionStringBuilder { DataSource = Path.Combine(DirectoryPath, "test.db") }.ToString());
        Options = Microsoft.Extensions.Options.Options.Create(new TradingOptions
        {
            Auth = new AuthOptions { MaxFailedLogins = maxFailedLogins, LockoutMinutes = lockoutMinutes },
        });
        Hasher = new PasswordHasher<UserAccount>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = 1_000 }));
        Users = new SqliteUserStore(Database, Time);
        Tokens = new ApiTokenStore(Database, Time);
        Audit = new SqliteAuditLog(Database, Time);
        Throttle = new LoginThrottle(Options, Time);
        UserService = new UserService(Users, Tokens, Hasher, Audit);
        Login = new LoginService(Users, Hasher, Throttle, Audit, NullLogger<LoginService>.Instance);
    }

    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    public string DirectoryPath { get; } = Path.Combine(Path.GetTempPath(), "td-tests", Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Time { get; } = new(Start);

    public SqliteDatabase Database { get; }

    public IOptions<TradingOptions> Options { get; }

    public PasswordHasher<UserAccount> Hasher { get; }

    public SqliteUserStore Users { get; }

    public ApiTokenStore Tokens { get; }

    public SqliteAuditLog Audit { get; }

    public LoginThrottle Throttle { get; }

    public UserService UserService { get; }

    public LoginService Login { get; }

    public static Actor Admin(string name = "root") => new(name, UserRole.Admin, "10.0.0.1");

    public static Actor Viewer(string name = "watcher") => new(name, UserRole.Viewer, "10.0.0.2");

    public void Dispose()
    {
        using (var connection = new SqliteConnection(Database.ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        try
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
