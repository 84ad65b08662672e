using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Processing;

public static class DataProcessorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the data processor: "Trading:Processor" options (validated at start), the SQLite pivot store, the
    /// <see cref="IDataProcessorState"/> the dashboard reads, and the "data-processor" stage as an <see cref="IManagedProcess"/>.
    /// Needs an <c>ICandleCache</c> (market data) registered by the host. Registers the "Trading" options binding and the
    /// SQLite database only when nothing registered them before.
    /// </summary>
    public static IServiceCollection AddDataProcessor(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DataProcessorOptions>().BindConfiguration(DataProcessorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataProcessorOptions>, DataProcessorOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<TradingOptions>)))
        {
            services.AddOptions<TradingOptions>().BindConfiguration(TradingOptions.SectionName);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => SqliteDatabase.FromOptions(
            sp.GetRequiredService<IOptions<TradingOptions>>(),
            sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.TryAddSingleton<IPivotStore, SqlitePivotStore>();
        services.TryAddSingleton<DataProcessorState>();
        services.TryAddSingleton<IDataProcessorState>(sp => sp.GetRequiredService<DataProcessorState>());
        if (!services.Any(d => d.ServiceType == typeof(DataProcessorService)))
        {
            services.AddSingleton<DataProcessorService>();
            services.AddSingleton<IManagedProcess>(sp => sp.GetRequiredService<DataProcessorService>());
        }

        return services;
    }
}
