using System.Text.RegularExpressions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Trainer.Datasets;

/// <summary>One kline file read from a folder.</summary>
public sealed record KlineFileInfo(string Path, string Symbol, string Timeframe, int Rows);

/// <summary>The klines of a folder, merged per (symbol, timeframe).</summary>
/// <param name="DuplicateRows">Rows whose open time another file already gave (the first file in path order wins).</param>
/// <param name="ConflictingDuplicates">Duplicates whose values differ from the kept row.</param>
public sealed record KlineFolderContents(
    IReadOnlyDictionary<(string Symbol, Timeframe Timeframe), List<OHLCVBar>> Series,
    IReadOnlyList<KlineFileInfo> Files,
    long DuplicateRows,
    long ConflictingDuplicates);

/// <summary>
/// Reads every <c>SYMBOL-TF-*.csv[.gz]</c> under a folder (recursively; Binance dump layout, with or without header) for the
/// wanted symbols and timeframes, and merges overlapping files.
/// </summary>
public static partial class KlineFolder
{
    /// <param name="toExclusive">Bars opening at or after this time are not read (null: all).</param>
    public static KlineFolderContents Load(string folder, IReadOnlyCollection<string> symbols, IReadOnlyCollection<Timeframe> timeframes, DateTimeOffset? toExclusive)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Data folder not found: {folder}");
        }

        var toMs = toExclusive?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        var raw = new Dictionary<(string, Timeframe), List<OHLCVBar>>();
        var files = new List<KlineFileInfo>();
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var match = KlineFileName().Match(System.IO.Path.GetFileName(path));
            if (!match.Success || !TimeframeExtensions.TryParse(match.Groups["tf"].Value, out var tf))
            {
                continue;
            }

            var symbol = match.Groups["symbol"].Value.ToUpperInvariant();
            if (!symbols.Contains(symbol) || !timeframes.Contains(tf))
            {
                continue;
            }

            var rows = KlineCsvReader.Read(path, "Replay", symbol, tf).Where(b => b.OpenTimeMs < toMs).ToList();
            files.Add(new KlineFileInfo(System.IO.Path.GetRelativePath(folder, path), symbol, tf.ToCode(), rows.Count));
            if (!raw.TryGetValue((symbol, tf), out var list))
            {
                raw[(symbol, tf)] = list = [];
            }

            list.AddRange(rows);
        }

        long duplicates = 0, conflicts = 0;
        var merged = new Dictionary<(string, Timeframe), List<OHLCVBar>>();
        foreach (var (key, list) in raw)
        {
            // Stable sort keeps the first file's row first among equal open times.
            var sorted = list.Select((b, i) => (b, i)).OrderBy(t => t.b.OpenTimeMs).ThenBy(t => t.i).Select(t => t.b).ToList();
            var result = new List<OHLCVBar>(sorted.Count);
            foreach (var bar in sorted)
            {
                if (result.Count > 0 && result[^1].OpenTimeMs == bar.OpenTimeMs)
                {
                    duplicates++;
                    var kept = result[^1];
                    if (kept.Open != bar.Open || kept.High != bar.High || kept.Low != bar.Low || kept.Close != bar.Close || kept.Volume != bar.Volume)
                    {
                        conflicts++;
                    }

                    continue;
                }

                result.Add(bar);
            }

            if (result.Count > 0)
            {
                merged[key] = result;
            }
        }

        return new KlineFolderContents(merged, files, duplicates, conflicts);
    }

    [GeneratedRegex(@"^(?<symbol>[A-Za-z0-9]+)-(?<tf>[0-9]+[smhdD])-.*\.csv(\.gz)?$")]
    private static partial Regex KlineFileName();
}
