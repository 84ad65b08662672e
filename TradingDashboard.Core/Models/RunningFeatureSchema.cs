using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The feature schema models are checked against: the data processor's own schema once its stage runs, before that the
/// schema the processor will build from the "Trading" and "Trading:Processor" settings (the same code makes both). Null
/// when feature frames are disabled.
/// </summary>
public sealed class RunningFeatureSchema
{
    private readonly Func<FeatureSchema?> _running;
    private readonly Lazy<FeatureSchema?> _configured;

    public RunningFeatureSchema(IDataProcessorState state, IOptions<TradingOptions> trading, IOptions<DataProcessorOptions> processor)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(trading);
        ArgumentNullException.ThrowIfNull(processor);
        _running = () => state.Schema;
        _configured = new Lazy<FeatureSchema?>(() =>
            DataProcessorSettings.From(trading.Value, processor.Value).Features is { } features ? new FeatureSchema(features) : null);
    }

    private RunningFeatureSchema(FeatureSchema? schema)
    {
        _running = () => schema;
        _configured = new Lazy<FeatureSchema?>(schema);
    }

    /// <summary>A fixed schema (tests, offline tools).</summary>
    public static RunningFeatureSchema Fixed(FeatureSchema? schema) => new(schema);

    public FeatureSchema? Current => _running() ?? _configured.Value;
}
