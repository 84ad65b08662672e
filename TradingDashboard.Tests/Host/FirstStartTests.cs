using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public partial class FirstStartTests
{
    [Fact]
    public async Task First_start_creates_the_admin_from_settings_and_stores_its_api_token()
    {
        const string token = "first-start-token-0123456789abcdef";
        using var factory = HostFactory.Create(o =>
        {
            o.Settings["Trading:Auth:AdminUserName"] = "chief";
            o.Settings["Trading:Auth:AdminApiToken"] = token;
        });
        using var bearer = factory.CreateBearerClient(token);

        using var response = await bearer.GetAsync(new Uri("/api/processes", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var users = await factory.Services.GetRequiredService<SqliteUserStore>().ListAsync();
        var admin = Assert.Single(users);
        Assert.Equal(("chief", UserRole.Admin), (admin.Name, admin.Role));
        using var cookie = await factory.LoginAsync("chief", HostFactory.DefaultAdminPassword);
        Assert.Equal(string.Empty, factory.ConsoleOutput.ToString());
    }

    [Fact]
    public async Task Without_a_password_setting_a_generated_password_is_printed_once()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "td-tests", Guid.NewGuid().ToString("N"));
        try
        {
            string password;
            await using (var first = HostFactory.Create(o => { o.AdminPassword = null; o.DataDirectory = dataDirectory; }))
            {
                first.CreateClient().Dispose();
                var output = first.ConsoleOutput.ToString();
                Assert.Contains("FIRST START", output, StringComparison.Ordinal);
                var match = PasswordLine().Match(output);
                Assert.True(match.Success, output);
                password = match.Groups[1].Value;
                Assert.True(password.Length >= 20);
                using var client = await first.LoginAsync(HostFactory.AdminUserName, password);
            }

            await using var second = HostFactory.Create(o => { o.AdminPassword = null; o.DataDirectory = dataDirectory; });
            using var again = await second.LoginAsync(HostFactory.AdminUserName, password);
            Assert.Equal(string.Empty, second.ConsoleOutput.ToString());
            Assert.Equal(1, await second.Services.GetRequiredService<SqliteUserStore>().CountAsync());
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [GeneratedRegex(@"password:\s+(\S+)")]
    private static partial Regex PasswordLine();
}
