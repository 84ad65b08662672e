using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// The data processor's logic, shared by the live stage and the trainer's batch export: closed candles in; indicators,
/// pivots (levels 1-5), feature rows and feature frames out. Bars of each series must arrive in increasing open time;
/// series may interleave in any order. Not thread-safe: one thread calls <see cref="Process"/>.
/// </summary>
public sealed class DataProcessor
{
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), SeriesProcessor> _series = [];
    private readonly FeatureFrameBuilder? _frames;
    private readonly RecentByReference<SeriesProcessor> _recent = new();
    private long _processed;
    private long _rejectedUnknown;
    private long _rejectedOutOfOrder;
    private long _rejectedInvalid;

    public DataProcessor(DataProcessorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        settings.Pivots.Validate();
        if (settings.Features is { } features)
        {
            Schema = new FeatureSchema(features);
            _frames = new FeatureFrameBuilder(Schema);
        }

        foreach (var symbol in settings.Symbols)
        {
            foreach (var timeframe in settings.Timeframes)
            {
                var inFrames = _frames?.Covers(symbol, timeframe) == true;
                var specs = settings.IndicatorsFor(timeframe).ToList();
                if (inFrames)
                {
                    // Feature indicators are computed even where the dashboard set lacks them.
                    specs.AddRange(Schema!.Settings.Indicators.Where(f => specs.All(s => s.Name != f.Name)));
                }

                var series = new SeriesProcessor(symbol, timeframe, specs, settings.Pivots, settings.HistoryBars, inFrames ? Schema : null);
                _series[(symbol, timeframe)] = series;
                if (series.Features is not null)
                {
                    _frames!.Register(series.Features);
                }
            }
        }
    }

    public DataProcessorSettings Settings { get; }

    /// <summary>Null when feature frames are disabled.</summary>
    public FeatureSchema? Schema { get; }

    public FeatureFrameBuilder? Frames => _frames;

    public FrameCounts FrameCounts => _frames?.Counts ?? FrameCounts.Zero;

    public IEnumerable<SeriesProcessor> Series => _series.Values;

    public long Processed => _processed;

    /// <summary>Bars refused: not a configured symbol/timeframe, not after the series' last bar, or not finite/positive.</summary>
    public (long UnknownSeries, long OutOfOrder, long Invalid) Rejected => (_rejectedUnknown, _rejectedOutOfOrder, _rejectedInvalid);

    public SeriesProcessor? GetSeries(string symbol, Timeframe timeframe) => _series.GetValueOrDefault((symbol, timeframe));

    /// <summary>
    /// Processes one closed candle. Returns false, changing nothing, when the bar is refused (forming, unknown series,
    /// duplicate or out of order, bad numbers). Newly confirmed pivots and frame outcomes go into <paramref name="output"/>.
    /// </summary>
    public bool Process(OHLCVBar bar, ProcessorOutput output)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(output);
        if (!bar.IsClosed)
        {
            return false;
        }

        if (!_recent.TryGet(bar.Symbol, out var series) || series.Timeframe != bar.Timeframe)
        {
            if (!_series.TryGetValue((bar.Symbol, bar.Timeframe), out series))
            {
                _rejectedUnknown++;
                return false;
            }

            _recent.Remember(bar.Symbol, series);
        }

        if (bar.OpenTimeMs <= series.LastOpenTimeMs)
        {
            _rejectedOutOfOrder++;
            return false;
        }

        if (!(double.IsFinite(bar.Open) && double.IsFinite(bar.High) && double.IsFinite(bar.Low) && double.IsFinite(bar.Close) && double.IsFinite(bar.Volume))
            || bar.Low <= 0 || bar.High < bar.Low || bar.Volume < 0)
        {
            _rejectedInvalid++;
            return false;
        }

        series.Process(bar, output.Pivots);
        _processed++;
        if (_frames is not null && series.Features is not null)
        {
            _frames.OnBarAppended(bar.Symbol, bar.Timeframe, bar.OpenTimeMs, output.Frames);
        }

        return true;
    }

    /// <summary>Builds or skips the frame still waiting for pieces (end of a batch).</summary>
    public void Flush(ProcessorOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _frames?.Flush(output.Frames);
    }
}

/// <summary>Reusable output buffers of <see cref="DataProcessor.Process"/>; clear them between uses.</summary>
public sealed class ProcessorOutput
{
    public List<PivotPoint> Pivots { get; } = [];

    public List<FrameOutcome> Frames { get; } = [];

    public void Clear()
    {
        Pivots.Clear();
        Frames.Clear();
    }
}
