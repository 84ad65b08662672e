using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Hosting;

public static class HostingServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="TradingOptions"/> from the "Trading" section, validated by <see cref="TradingOptionsValidator"/>
    /// when the host starts: a bad setting stops the start with a message naming it.
    /// </summary>
    public static IServiceCollection AddTradingOptions(this IServiceCollection services)
    {
        services.AddOptions<TradingOptions>()
            .BindConfiguration(TradingOptions.SectionName)
            .ValidateOnStart();

        // The configuration binder appends to list properties that already hold defaults, so a configured
        // "Symbols": ["BTCUSDT"] would come out as ETHUSDT, BTCUSDT, BTCUSDT. The configured lists replace the defaults.
        services.AddOptions<TradingOptions>().PostConfigure<IConfiguration>((options, configuration) =>
        {
            var section = configuration.GetSection(TradingOptions.SectionName);
            if (ConfiguredList(section.GetSection(nameof(TradingOptions.Symbols))) is { } symbols)
            {
                options.Symbols = symbols;
            }

            if (ConfiguredList(section.GetSection(nameof(TradingOptions.Timeframes))) is { } timeframes)
            {
                options.Timeframes = timeframes;
            }
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TradingOptions>, TradingOptionsValidator>());
        return services;
    }

    /// <summary>
    /// Shared infrastructure: <see cref="HostPaths"/>, the SQLite database (Trading:Storage under the repository root),
    /// <see cref="TimeProvider.System"/> and the alert service.
    /// </summary>
    public static IServiceCollection AddTradingInfrastructure(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => HostPaths.Resolve(sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.TryAddSingleton(sp => SqliteDatabase.FromOptions(
            sp.GetRequiredService<IOptions<TradingOptions>>(),
            sp.GetRequiredService<HostPaths>().BaseDirectory));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAlertService, AlertService>();
        return services;
    }

    /// <summary>The configured array items in order (keys 0, 1, 2, ...), or null when the section has none.</summary>
    private static List<string>? ConfiguredList(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        return children.Count == 0
            ? null
            : children
                .OrderBy(c => int.TryParse(c.Key, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
                .Select(c => c.Value ?? string.Empty)
                .ToList();
    }
}
