using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Processing;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Trainer.Verbs;

/// <summary>
/// <c>features</c>: feature frames for training, from every kline file under a folder, built by the same
/// <see cref="DataProcessor"/> as the live stage. Writes values.npy, mask.npy, times.npy, schema.json and summary.json.
/// </summary>
internal sealed class FeaturesVerb : IVerb
{
    public string Name => "features";

    public string Summary => "Feature frames for training from a folder of kline files (same code as the live processor), with their schema.";

    public string Usage =>
        "features --input DIR --output OUT [--symbols ETHUSDT,BTCUSDT] [--timeframes 1s,1m,1h,1d] [--anchor 1m] [--window 32] [--from DATE] [--to DATE] [--max-frames 10000] [--stride 1]";

    public IReadOnlyList<string> Details =>
    [
        "DIR is searched recursively for files named SYMBOL-TF-*.csv[.gz] (TF 1s, 1m, 1h, 1d); pass one venue's folder, e.g. shared/data/binance/spot/klines.",
        "Overlapping files are merged (duplicate open times counted; the first file in path order wins).",
        "The first symbol is the primary, the others are references. Frames are built at each close of the primary's anchor bar.",
        "1s is optional: where no 1s history exists its block is masked (mask 0), never invented from 1m bars.",
        "OUT gets values.npy (float32 [N, symbols, timeframes, window, features]), mask.npy (uint8, same shape),",
        "times.npy (int64 anchor open times, Unix ms), schema.json (names, order, shape, normalization, hash) and summary.json.",
        "--max-frames (default 10000, 0 = no limit) and --stride N (keep every Nth built frame) bound the output size.",
    ];

    public int Run(IReadOnlyList<string> args, IAnsiConsole console)
    {
        var cl = new CommandLine(Name, args, ["input", "output", "symbols", "timeframes", "anchor", "window", "from", "to", "max-frames", "stride"]);
        var input = cl.Required("input");
        var output = cl.Required("output");
        var symbols = (cl.Optional("symbols") ?? "ETHUSDT,BTCUSDT").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => KlineInput.ParseSymbol(Name, s)).Distinct().ToList();
        var timeframes = (cl.Optional("timeframes") ?? "1s,1m,1h,1d").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => KlineInput.ParseTimeframe(Name, t)).Distinct().ToList();
        var anchor = KlineInput.ParseTimeframe(Name, cl.Optional("anchor") ?? "1m");
        var window = cl.Int("window", 32, 1, 4096);
        var from = cl.Date("from");
        var to = cl.Date("to");
        var maxFrames = cl.Int("max-frames", 10_000, 0, int.MaxValue);
        var stride = cl.Int("stride", 1, 1, 1_000_000);
        if (!Directory.Exists(input))
        {
            throw new DirectoryNotFoundException($"Input folder not found: {input}");
        }

        if (symbols.Count is < 1 or > 4)
        {
            throw new UsageException($"{Name}: --symbols needs one to four symbols (primary first).");
        }

        if (!timeframes.Contains(anchor))
        {
            throw new UsageException($"{Name}: the anchor timeframe {anchor.ToCode()} must be one of --timeframes.");
        }

        var features = new FeatureSettings
        {
            Symbols = symbols,
            Timeframes = timeframes,
            OptionalTimeframes = timeframes.Where(t => t == Timeframe.OneSecond && t != anchor).ToList(),
            AnchorTimeframe = anchor,
            WindowLength = window,
        };
        var settings = new DataProcessorSettings
        {
            Symbols = symbols,
            Timeframes = timeframes,
            Features = features,
            Pivots = features.Pivots,
            HistoryBars = 0,
        };

        var loaded = KlineFolder.Load(input, symbols, timeframes, to);
        var (series, files, duplicates, conflicts) = (loaded.Series, loaded.Files.Select(f => new { path = f.Path, symbol = f.Symbol, timeframe = f.Timeframe, rows = f.Rows }).ToList(), loaded.DuplicateRows, loaded.ConflictingDuplicates);
        foreach (var symbol in symbols)
        {
            if (!series.ContainsKey((symbol, anchor)))
            {
                throw new InvalidDataException($"No {symbol} {anchor.ToCode()} kline file under {input} (files are named {symbol}-{anchor.ToCode()}-*.csv[.gz]).");
            }
        }

        var processor = new DataProcessor(settings);
        var schema = processor.Schema!;
        processor.Frames!.StartAtMs = from?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var ordered = series.Values.SelectMany(s => s)
            .OrderBy(b => b.OpenTimeMs + b.Timeframe.DurationMs())
            .ThenBy(b => b.Timeframe)
            .ThenBy(b => symbols.IndexOf(b.Symbol))
            .ToList();

        Directory.CreateDirectory(output);
        var written = 0L;
        var builtSeen = 0L;
        var firstFrame = (long?)null;
        var lastFrame = (long?)null;
        var processorOutput = new ProcessorOutput();
        using (var values = new NpyWriter(Path.Combine(output, "values.npy"), "<f4", schema.Shape))
        using (var mask = new NpyWriter(Path.Combine(output, "mask.npy"), "|u1", schema.Shape))
        using (var times = new NpyWriter(Path.Combine(output, "times.npy"), "<i8", []))
        {
            bool Write(List<FrameOutcome> outcomes)
            {
                foreach (var outcome in outcomes)
                {
                    if (outcome.Frame is not { } frame)
                    {
                        continue;
                    }

                    if (builtSeen++ % stride != 0)
                    {
                        continue;
                    }

                    values.Append<float>(frame.Values);
                    mask.Append<byte>(frame.Mask);
                    times.Append<long>([frame.AnchorOpenTimeMs]);
                    firstFrame ??= frame.AnchorOpenTimeMs;
                    lastFrame = frame.AnchorOpenTimeMs;
                    written++;
                    if (maxFrames > 0 && written >= maxFrames)
                    {
                        return false;
                    }
                }

                return true;
            }

            var more = true;
            foreach (var bar in ordered)
            {
                processorOutput.Clear();
                processor.Process(bar, processorOutput);
                if (!(more = Write(processorOutput.Frames)))
                {
                    break;
                }
            }

            if (more)
            {
                processorOutput.Clear();
                processor.Flush(processorOutput);
                Write(processorOutput.Frames);
            }
        }

        File.WriteAllText(Path.Combine(output, "schema.json"), schema.ToJsonWithHash());
        var counts = processor.FrameCounts;
        var missing1s = timeframes.Contains(Timeframe.OneSecond)
            ? symbols.Where(s => !series.ContainsKey((s, Timeframe.OneSecond))).ToList()
            : [];
        var summary = new
        {
            schemaHash = schema.Hash,
            shape = new[] { written }.Concat(schema.Shape.Select(d => (long)d)),
            framesWritten = written,
            firstFrameOpenTime = firstFrame,
            lastFrameOpenTime = lastFrame,
            stoppedAtMaxFrames = maxFrames > 0 && written >= maxFrames,
            counts = new { built = counts.Built, skippedWarmup = counts.SkippedWarmup, skippedGap = counts.SkippedGap, skippedStaleReference = counts.SkippedStaleReference, maskedOptionalBlocks = counts.MaskedOptionalBlocks },
            notes = missing1s.Select(s => $"{s}: no 1s history in the input; its 1s block is masked in every frame (1s bars are never built from 1m bars).").ToList(),
            series = series.Select(kv => new { symbol = kv.Key.Symbol, timeframe = kv.Key.Timeframe.ToCode(), bars = kv.Value.Count, first = kv.Value[0].OpenTimeMs, last = kv.Value[^1].OpenTimeMs }),
            duplicateRowsMerged = duplicates,
            conflictingDuplicates = conflicts,
            files,
        };
        File.WriteAllText(Path.Combine(output, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));

        var table = new Table().AddColumn("frames").AddColumn("count");
        table.AddRow("written", written.ToString(CultureInfo.InvariantCulture));
        table.AddRow("built", counts.Built.ToString(CultureInfo.InvariantCulture));
        table.AddRow("skipped: warm-up", counts.SkippedWarmup.ToString(CultureInfo.InvariantCulture));
        table.AddRow("skipped: gap", counts.SkippedGap.ToString(CultureInfo.InvariantCulture));
        table.AddRow("skipped: stale reference", counts.SkippedStaleReference.ToString(CultureInfo.InvariantCulture));
        table.AddRow("optional blocks masked", counts.MaskedOptionalBlocks.ToString(CultureInfo.InvariantCulture));
        console.Write(table);
        foreach (var note in summary.notes)
        {
            console.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }

        console.MarkupLine($"Schema {schema.Hash[..16]}..., shape {Markup.Escape($"[N={written}, {string.Join(", ", schema.Shape)}]")}, written to [green]{Markup.Escape(output)}[/].");
        return 0;
    }
}
