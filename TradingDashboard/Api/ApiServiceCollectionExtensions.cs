using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TradingDashboard.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>JSON options of the API (camelCase, enums as strings) and the /metrics exporter.</summary>
    public static IServiceCollection AddTradingApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.TryAddSingleton<MetricsExporter>();
        return services;
    }
}
