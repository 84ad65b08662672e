using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Hosting;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public sealed class ConfigurationTests(HostFactory factory) : IClassFixture<HostFactory>
{
    private static string RepositoryRoot()
    {
        // Independent of HostPaths: the test binary lives in <root>/TradingDashboard.Tests/bin/<config>/<tfm>/.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "TradingDashboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }

    [Fact]
    public void Repository_root_is_found_by_walking_up_to_the_solution_file()
    {
        var root = Path.Combine(Path.GetTempPath(), "td-tests", Guid.NewGuid().ToString("N"));
        var nested = Path.Combine(root, "a", "b", "c");
        Directory.CreateDirectory(nested);
        File.WriteAllText(Path.Combine(root, "TradingDashboard.sln"), string.Empty);
        try
        {
            Assert.Equal(root, HostPaths.FindRepositoryRoot(nested));
            Assert.Equal(root, HostPaths.FindRepositoryRoot("/definitely/not/here", nested));
            Assert.Null(HostPaths.FindRepositoryRoot(Path.GetTempPath()));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Host_reads_the_repository_root_appsettings_although_its_content_root_has_none()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "appsettings.json")));
        var binance = json.RootElement.GetProperty("Trading").GetProperty("MarketData").GetProperty("Binance");
        var configuration = factory.Services.GetRequiredService<IConfiguration>();

        Assert.Equal(binance.GetProperty("WebSocketBaseUrl").GetString(), configuration["Trading:MarketData:Binance:WebSocketBaseUrl"]);
        Assert.Equal(RepositoryRoot(), factory.Services.GetRequiredService<HostPaths>().RepositoryRoot);
    }

    [Fact]
    public void Configured_lists_replace_the_defaults_instead_of_being_appended()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "appsettings.json")));
        var symbols = json.RootElement.GetProperty("Trading").GetProperty("Symbols").EnumerateArray().Select(e => e.GetString()!).ToList();
        var options = factory.Services.GetRequiredService<IOptions<TradingOptions>>().Value;

        Assert.Equal(symbols, options.Symbols);
    }

    [Fact]
    public void Repository_settings_come_before_environment_variables_so_those_override()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });

        builder.AddRepositoryConfiguration();

        var sources = builder.Configuration.Sources.ToList();
        var repoJson = sources.FindIndex(s => s is JsonConfigurationSource { Path: "appsettings.json" } j && j.FileProvider is Microsoft.Extensions.FileProviders.PhysicalFileProvider p && p.Root.TrimEnd('/') == RepositoryRoot());
        var environment = sources.FindIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        Assert.True(repoJson >= 0, "repository appsettings.json source missing");
        Assert.True(environment > repoJson, $"environment variables at {environment} must come after the repository settings at {repoJson}");
        Assert.Equal("http://localhost:5000", new ConfigurationBuilder().Add(sources[0]).Build()["Urls"]);
    }
}

public class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Trading:MarketData:Sources", "Binance,Kraken", "Trading:MarketData:Sources has an unknown source 'Kraken'")]
    [InlineData("Trading:MarketData:Sources", "Replay", "Trading:MarketData:ReplayDirectory must be set when Replay is the only source")]
    [InlineData("Trading:MarketData:Binance:RestBaseUrl", "ftp://api.binance.com", "Trading:MarketData:Binance:RestBaseUrl 'ftp://api.binance.com' is not a valid")]
    [InlineData("Trading:MarketData:Mexc:WebSocketBaseUrl", "not a url", "Trading:MarketData:Mexc:WebSocketBaseUrl 'not a url' is not a valid")]
    public void An_invalid_setting_stops_the_start_with_a_message_naming_it(string key, string value, string expected)
    {
        using var factory = HostFactory.Create(o => o.Settings[key] = value);

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        var validation = Flatten(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, error.ToString());
        Assert.Contains(validation.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : exception.InnerException is { } one ? [one] : [];
        foreach (var child in inner.SelectMany(Flatten))
        {
            yield return child;
        }
    }
}
