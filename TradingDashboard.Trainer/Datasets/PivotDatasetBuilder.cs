using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Trainer.Datasets;

/// <summary>What to build a pivot dataset from.</summary>
public sealed record PivotDatasetRequest
{
    /// <summary>A folder of Binance kline files (e.g. shared/data/binance/spot/klines), searched recursively.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Primary first, then references.</summary>
    public IReadOnlyList<string> Symbols { get; init; } = ["ETHUSDT", "BTCUSDT"];

    /// <summary>First frame's anchor open time (inclusive); history before it is read only as warm-up context.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Bars opening at or after this are not read at all (so neither features nor labels see them).</summary>
    public DateTimeOffset? To { get; init; }

    public PivotLabelSettings Labels { get; init; } = PivotLabelSettings.Default;

    /// <summary>Keep every Nth built frame (neighbouring minutes are nearly identical; a stride saves memory).</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Stop after this many kept frames (0: no limit).</summary>
    public int MaxFrames { get; init; }

    /// <summary>Null: the host's default feature settings for <see cref="Symbols"/> (so the schema hash matches the running host's).</summary>
    public FeatureSettings? Features { get; init; }
}

/// <summary>
/// Builds <see cref="PivotDataset"/>s: feature frames from the same <see cref="DataProcessor"/> the host runs, and labels from
/// the pivots that processor confirms on the primary symbol, made by <see cref="PivotLabeler"/> once every bar is in. A frame's
/// values are fixed when it is built (bars closed by its time only); its labels read only pivots of bars opening at or after
/// its time.
/// </summary>
public static class PivotDatasetBuilder
{
    /// <summary>The feature settings the host uses by default (appsettings.json "Trading:Processor:Features"), for these symbols.</summary>
    public static FeatureSettings DefaultFeatures(IReadOnlyList<string> symbols) => new()
    {
        Symbols = symbols.ToList(),
        Timeframes = [.. TimeframeExtensions.All],
        OptionalTimeframes = [Timeframe.OneSecond],
        AnchorTimeframe = Timeframe.OneMinute,
        WindowLength = 32,
        Indicators = IndicatorSpec.DefaultNames.Select(IndicatorSpec.Parse).ToList(),
        NormalizationLevel = 2,
        ClipValue = 10.0,
        Pivots = PivotSettings.Default,
    };

    public static PivotDataset Build(PivotDatasetRequest request, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Symbols.Count is < 1 or > 4)
        {
            throw new ArgumentException("A dataset needs one to four symbols (primary first).", nameof(request));
        }

        var features = request.Features ?? DefaultFeatures(request.Symbols);
        var contents = KlineFolder.Load(request.DataDirectory, features.Symbols, features.Timeframes, request.To);
        var primary = features.PrimarySymbol;
        if (!contents.Series.ContainsKey((primary, features.AnchorTimeframe)))
        {
            throw new InvalidDataException(
                $"No {primary} {features.AnchorTimeframe.ToCode()} kline file under {request.DataDirectory} (files are named {primary}-{features.AnchorTimeframe.ToCode()}-*.csv[.gz]).");
        }

        var bars = contents.Series.Values.SelectMany(s => s);
        var notes = new List<string>();
        foreach (var symbol in features.Symbols)
        {
            foreach (var timeframe in features.Timeframes.Where(tf => !contents.Series.ContainsKey((symbol, tf))))
            {
                notes.Add(features.OptionalTimeframes.Contains(timeframe)
                    ? $"{symbol}: no {timeframe.ToCode()} history in the data; its block is masked in every frame{(symbol == primary ? " and its labels are unknown" : string.Empty)}."
                    : $"{symbol}: no {timeframe.ToCode()} history in the data.");
            }
        }

        var dataset = BuildFromBars(bars, features, request.Labels, request.From?.ToUnixTimeMilliseconds(), request.Stride, request.MaxFrames, console);
        return dataset.WithInfo(dataset.Info with
        {
            Source = request.DataDirectory,
            Notes = [.. notes, .. dataset.Info.Notes],
        });
    }

    /// <summary>
    /// Builds a dataset from closed bars of any series, in any order (they are sorted by close time here). Bars of series
    /// outside <paramref name="features"/> are ignored.
    /// </summary>
    public static PivotDataset BuildFromBars(
        IEnumerable<OHLCVBar> bars,
        FeatureSettings features,
        PivotLabelSettings labels,
        long? fromMs = null,
        int stride = 1,
        int maxFrames = 0,
        IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFrames);
        features.Validate();
        labels.Validate();

        var settings = new DataProcessorSettings
        {
            Symbols = features.Symbols,
            Timeframes = features.Timeframes,
            Features = features,
            Pivots = features.Pivots,
            HistoryBars = 0,
        };
        var processor = new DataProcessor(settings);
        var schema = processor.Schema!;
        processor.Frames!.StartAtMs = fromMs ?? long.MinValue;
        var symbolOrder = features.Symbols.ToList();
        var ordered = bars
            .Where(b => b.IsClosed && symbolOrder.Contains(b.Symbol) && features.Timeframes.Contains(b.Timeframe))
            .OrderBy(b => b.OpenTimeMs + b.Timeframe.DurationMs())
            .ThenBy(b => b.Timeframe)
            .ThenBy(b => symbolOrder.IndexOf(b.Symbol))
            .ToList();

        var primary = features.PrimarySymbol;
        var timeframes = schema.Timeframes;
        var pivots = timeframes.ToDictionary(tf => tf, _ => new List<PivotPoint>());
        var openTimes = timeframes.ToDictionary(tf => tf, _ => new List<long>());
        var frames = new List<FeatureFrame>();
        var builtSeen = 0L;
        var output = new ProcessorOutput();
        var full = false;

        void Collect()
        {
            foreach (var pivot in output.Pivots)
            {
                if (pivot.Symbol == primary && pivot.Level == labels.PivotLevel && pivots.TryGetValue(pivot.Timeframe, out var list))
                {
                    list.Add(pivot);
                }
            }

            foreach (var outcome in output.Frames)
            {
                if (full || outcome.Frame is not { } frame || builtSeen++ % stride != 0)
                {
                    continue;
                }

                frames.Add(frame);
                full = maxFrames > 0 && frames.Count >= maxFrames;
            }
        }

        void Run(Action<int>? progress)
        {
            for (var i = 0; i < ordered.Count; i++)
            {
                var bar = ordered[i];
                output.Clear();
                if (processor.Process(bar, output) && bar.Symbol == primary && openTimes.TryGetValue(bar.Timeframe, out var times))
                {
                    times.Add(bar.OpenTimeMs);
                }

                Collect();
                if ((i & 0xFFFF) == 0)
                {
                    progress?.Invoke(i);
                }
            }

            output.Clear();
            processor.Flush(output);
            Collect();
        }

        if (console is null)
        {
            Run(null);
        }
        else
        {
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("building frames and labels", maxValue: Math.Max(1, ordered.Count));
                Run(i => task.Value = i);
                task.Value = task.MaxValue;
            });
        }

        var coverage = timeframes.ToDictionary(tf => tf, tf => new SeriesCoverage(tf, openTimes[tf].ToArray()));
        foreach (var list in pivots.Values)
        {
            list.Sort((a, b) => a.OpenTimeMs.CompareTo(b.OpenTimeMs));
        }

        var length = schema.Length;
        var values = new float[(long)frames.Count * length];
        var labelArray = new sbyte[frames.Count * timeframes.Count];
        var anchors = new long[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            frame.Values.AsSpan(0, length).CopyTo(values.AsSpan(i * length, length));
            anchors[i] = frame.AnchorOpenTimeMs;
            for (var t = 0; t < timeframes.Count; t++)
            {
                labelArray[(i * timeframes.Count) + t] = PivotLabeler.Label(frame.AsOfMs, timeframes[t], pivots[timeframes[t]], coverage[timeframes[t]], labels);
            }

            frames[i] = null!;
        }

        var counts = processor.FrameCounts;
        var info = new PivotDatasetInfo(
            Source: null,
            FirstAnchorOpenTimeMs: anchors.Length > 0 ? anchors[0] : null,
            LastAnchorOpenTimeMs: anchors.Length > 0 ? anchors[^1] : null,
            Frames: counts,
            Stride: stride,
            Notes: []);
        return new PivotDataset(schema, labels, values, labelArray, anchors) { Info = info };
    }
}
