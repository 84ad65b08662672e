using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData.Replay;

/// <summary>What a replay file holds.</summary>
public enum ReplayFileKind
{
    /// <summary>Kline dump (Binance 6-12 columns, or a MEXC kline export): <c>BTCUSDT-1m-2024-01.csv[.gz]</c>.</summary>
    Klines,

    /// <summary>Binance trades dump: <c>BTCUSDT-trades-2024-08-08.csv[.gz]</c>.</summary>
    Trades,

    /// <summary>Binance aggTrades dump: <c>BTCUSDT-aggTrades-2024-08-08.csv[.gz]</c>.</summary>
    AggTrades,

    /// <summary>Raw WebSocket recording in the hftbacktest layout: <c>btcusdt_20240808.txt[.gz]</c> (only its trades are used).</summary>
    Recording,
}

/// <summary>One recognised file; <see cref="Timeframe"/> is set for klines only.</summary>
public sealed record ReplayFile(string Path, string Symbol, ReplayFileKind Kind, Timeframe? Timeframe);

/// <summary>
/// The Binance-format files found under a replay directory (searched recursively), by symbol and content, with
/// readers that merge several files of one symbol and interval in time order and drop the rows they share.
/// Symbol and interval come from the file name only; names that match no known pattern are ignored (logged once,
/// when the catalog is built). Immutable once built.
/// </summary>
public sealed partial class ReplayFileCatalog
{
    private readonly Dictionary<string, List<ReplayFile>> _bySymbol;

    private ReplayFileCatalog(string? directory, IReadOnlyList<ReplayFile> files, IReadOnlyList<string> ignored)
    {
        Directory = directory;
        Files = files;
        Ignored = ignored;
        _bySymbol = files.GroupBy(f => f.Symbol, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Symbols = _bySymbol.Keys.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A catalog with no files (replay not configured).</summary>
    public static ReplayFileCatalog Empty { get; } = new(null, [], []);

    /// <summary>The scanned directory (full path), or null for <see cref="Empty"/>.</summary>
    public string? Directory { get; }

    /// <summary>Recognised files, sorted by path.</summary>
    public IReadOnlyList<ReplayFile> Files { get; }

    /// <summary>Paths of files whose names were not recognised, sorted.</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>Symbols with at least one file, upper case, sorted.</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <summary>Scans <paramref name="directory"/> recursively. Throws <see cref="DirectoryNotFoundException"/> when it does not exist.</summary>
    public static ReplayFileCatalog Scan(string directory, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Replay directory '{root}' does not exist.");
        }

        var files = new List<ReplayFile>();
        var ignored = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (TryParseFileName(path, out var file))
            {
                files.Add(file);
            }
            else
            {
                ignored.Add(path);
                if (logger is not null)
                {
                    LogIgnored(logger, path);
                }
            }
        }

        if (logger is not null)
        {
            LogScanned(logger, root, files.Count, ignored.Count);
        }

        return new ReplayFileCatalog(root, files, ignored);
    }

    /// <summary>
    /// Recognises a file by name: <c>SYMBOL-INTERVAL-anything.csv[.gz]</c> (interval 1s, 1m, 1h, 1d or MEXC's 60m),
    /// <c>SYMBOL-trades-anything.csv[.gz]</c>, <c>SYMBOL-aggTrades-anything.csv[.gz]</c>, <c>symbol_yyyyMMdd.txt[.gz]</c>
    /// (recording). Other Binance intervals (3m, 4h, 1w, 1M, ...) are not timeframes of this system and are not recognised.
    /// </summary>
    public static bool TryParseFileName(string path, [NotNullWhen(true)] out ReplayFile? file)
    {
        ArgumentNullException.ThrowIfNull(path);
        file = null;
        var name = Path.GetFileName(path);
        var match = KlineName().Match(name);
        if (match.Success)
        {
            if (!TimeframeExtensions.TryParse(match.Groups["interval"].Value, out var timeframe))
            {
                return false;
            }

            file = new ReplayFile(path, match.Groups["symbol"].Value.ToUpperInvariant(), ReplayFileKind.Klines, timeframe);
            return true;
        }

        match = TradesName().Match(name);
        if (match.Success)
        {
            var kind = match.Groups["kind"].Value == "aggTrades" ? ReplayFileKind.AggTrades : ReplayFileKind.Trades;
            file = new ReplayFile(path, match.Groups["symbol"].Value.ToUpperInvariant(), kind, null);
            return true;
        }

        match = RecordingName().Match(name);
        if (match.Success)
        {
            file = new ReplayFile(path, match.Groups["symbol"].Value.ToUpperInvariant(), ReplayFileKind.Recording, null);
            return true;
        }

        return false;
    }

    /// <summary>Kline files of one symbol and timeframe, sorted by path.</summary>
    public IReadOnlyList<ReplayFile> KlineFiles(string symbol, Timeframe timeframe) =>
        FilesOf(symbol).Where(f => f.Kind == ReplayFileKind.Klines && f.Timeframe == timeframe).ToList();

    /// <summary>Timeframes with kline files for <paramref name="symbol"/>, smallest first.</summary>
    public IReadOnlyList<Timeframe> KlineTimeframes(string symbol) =>
        FilesOf(symbol).Where(f => f.Kind == ReplayFileKind.Klines).Select(f => f.Timeframe!.Value).Distinct().Order().ToList();

    /// <summary>
    /// The trade files replayed for <paramref name="symbol"/>: raw trades (dumps and recordings, one id space) when
    /// there are any, else aggTrades (another id space, so the two are never mixed).
    /// </summary>
    public IReadOnlyList<ReplayFile> TradeFiles(string symbol)
    {
        var files = FilesOf(symbol);
        var raw = files.Where(f => f.Kind is ReplayFileKind.Trades or ReplayFileKind.Recording).ToList();
        return raw.Count > 0 ? raw : files.Where(f => f.Kind == ReplayFileKind.AggTrades).ToList();
    }

    public bool HasTrades(string symbol) => TradeFiles(symbol).Count > 0;

    /// <summary>
    /// Closed klines of one symbol and timeframe from all its files, in open-time order. Where files overlap, one
    /// row per open time is kept: a Binance-named file's row before a MEXC-named (60m) one (another venue's prices), then
    /// the row with the most fields (trade count, then quote volume), then the first file by path. Rows that do not parse, or that are not after the previous row of the same file, go to
    /// <paramref name="onRejected"/> (file, line, reason) and are skipped.
    /// </summary>
    public IEnumerable<OHLCVBar> ReadKlines(string symbol, Timeframe timeframe, string source, Action<ReplayFile, int, string>? onRejected = null) =>
        ReadKlines(symbol, timeframe, source, onRejected, observe: null);

    /// <summary>
    /// Trades of one symbol from all its trade files (see <see cref="TradeFiles"/>), in time order. Overlaps are
    /// dropped by trade id: a trade whose id is not above the last one yielded is a repeat. Rows that do not parse,
    /// or go back in id or time within their file, go to <paramref name="onRejected"/> and are skipped.
    /// </summary>
    public IEnumerable<MarketTick> ReadTrades(string symbol, string source, Action<ReplayFile, int, string>? onRejected = null)
    {
        var files = TradeFiles(symbol);
        var inputs = files.Select(f => ReadTradeFile(f, source, onRejected)).ToList();
        long? lastId = null;
        foreach (var (tick, _) in SortedMerge.Merge(inputs, TradeOrder.Instance))
        {
            if (lastId is { } last && tick.TradeId <= last)
            {
                continue;
            }

            lastId = tick.TradeId;
            yield return tick;
        }
    }

    /// <summary>As <see cref="ReadKlines(string, Timeframe, string, Action{ReplayFile, int, string}?)"/>; <paramref name="observe"/> sees every row read (with its file's index in <see cref="KlineFiles"/>), kept or not.</summary>
    internal IEnumerable<OHLCVBar> ReadKlines(string symbol, Timeframe timeframe, string source, Action<ReplayFile, int, string>? onRejected, Action<int, OHLCVBar>? observe)
    {
        var files = KlineFiles(symbol, timeframe);
        var binanceNamed = files.Select(f => !IsMexcName(f.Path)).ToArray();
        var inputs = files.Select(f => ReadKlineFile(f, source, onRejected)).ToList();
        OHLCVBar? pending = null;
        var pendingRank = -1;
        foreach (var (bar, origin) in SortedMerge.Merge(inputs, KlineOrder.Instance))
        {
            observe?.Invoke(origin, bar);
            var rank = (binanceNamed[origin] ? 4 : 0) + (bar.TradeCount > 0 ? 2 : 0) + (bar.QuoteVolume > 0 ? 1 : 0);
            if (pending is not null && pending.OpenTimeMs == bar.OpenTimeMs)
            {
                if (rank > pendingRank)
                {
                    pending = bar;
                    pendingRank = rank;
                }

                continue;
            }

            if (pending is not null)
            {
                yield return pending;
            }

            pending = bar;
            pendingRank = rank;
        }

        if (pending is not null)
        {
            yield return pending;
        }
    }

    /// <summary>MEXC names its hourly interval 60m; Binance says 1h.</summary>
    private static bool IsMexcName(string path) => Path.GetFileName(path).Contains("-60m-", StringComparison.Ordinal);

    private static IEnumerable<OHLCVBar> ReadKlineFile(ReplayFile file, string source, Action<ReplayFile, int, string>? onRejected)
    {
        using var reader = KlineCsvReader.OpenText(file.Path);
        var lineNumber = 0;
        var previousOpen = long.MinValue;
        var timeframe = file.Timeframe!.Value;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && KlineCsvReader.IsHeader(line)))
            {
                continue;
            }

            if (!KlineCsvReader.TryParseRow(line, source, file.Symbol, timeframe, out var bar, out var reason))
            {
                Reject(file, lineNumber, reason, onRejected);
                continue;
            }

            if (bar.OpenTimeMs <= previousOpen)
            {
                Reject(file, lineNumber, $"open_time {bar.OpenTimeMs} is not after the previous row's {previousOpen}", onRejected);
                continue;
            }

            previousOpen = bar.OpenTimeMs;
            yield return bar;
        }
    }

    private static IEnumerable<MarketTick> ReadTradeFile(ReplayFile file, string source, Action<ReplayFile, int, string>? onRejected)
    {
        var ticks = file.Kind == ReplayFileKind.Recording
            ? BinanceRecordingReader.ReadTrades(file.Path, source, file.Symbol, onRejected is null ? null : (line, reason) => onRejected(file, line, reason))
            : TradeCsvReaderWithLines(file, source, onRejected);
        long previousId = long.MinValue;
        long previousTime = long.MinValue;
        foreach (var tick in ticks)
        {
            if (tick.TradeId <= previousId || tick.ExchangeTimeMs < previousTime)
            {
                // Recordings have no line numbers past this point; 0 marks "this file, position unknown".
                Reject(file, 0, $"trade {tick.TradeId} at {tick.ExchangeTimeMs} is not after the previous trade {previousId} at {previousTime}", onRejected);
                continue;
            }

            previousId = tick.TradeId;
            previousTime = tick.ExchangeTimeMs;
            yield return tick;
        }
    }

    private static IEnumerable<MarketTick> TradeCsvReaderWithLines(ReplayFile file, string source, Action<ReplayFile, int, string>? onRejected)
    {
        var kind = file.Kind == ReplayFileKind.AggTrades ? TradeFileKind.AggTrades : TradeFileKind.Trades;
        return TradeCsvReader.Read(file.Path, kind, source, file.Symbol, onRejected is null ? null : (line, reason) => onRejected(file, line, reason));
    }

    private static void Reject(ReplayFile file, int lineNumber, string reason, Action<ReplayFile, int, string>? onRejected)
    {
        if (onRejected is null)
        {
            throw new FormatException($"{file.Path}: line {lineNumber}: {reason}");
        }

        onRejected(file, lineNumber, reason);
    }

    private IReadOnlyList<ReplayFile> FilesOf(string symbol) =>
        _bySymbol.TryGetValue(symbol.ToUpperInvariant(), out var files) ? files : [];

    [GeneratedRegex(@"^(?<symbol>[A-Za-z0-9]+)-(?<interval>[0-9]+[smhdwM])-.+\.csv(\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex KlineName();

    [GeneratedRegex(@"^(?<symbol>[A-Za-z0-9]+)-(?<kind>trades|aggTrades)-.+\.csv(\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TradesName();

    [GeneratedRegex(@"^(?<symbol>[A-Za-z0-9]+)_(?<date>[0-9]{8})\.txt(\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RecordingName();

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Replay: ignoring {Path}: the file name is not a recognised kline, trades, aggTrades or recording name")]
    private static partial void LogIgnored(ILogger logger, string path);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Replay: scanned {Directory}: {FileCount} data files recognised, {IgnoredCount} other files ignored")]
    private static partial void LogScanned(ILogger logger, string directory, int fileCount, int ignoredCount);

    private sealed class KlineOrder : IComparer<OHLCVBar>
    {
        public static readonly KlineOrder Instance = new();

        public int Compare(OHLCVBar? x, OHLCVBar? y) => x!.OpenTimeMs.CompareTo(y!.OpenTimeMs);
    }

    private sealed class TradeOrder : IComparer<MarketTick>
    {
        public static readonly TradeOrder Instance = new();

        public int Compare(MarketTick? x, MarketTick? y)
        {
            var c = x!.ExchangeTimeMs.CompareTo(y!.ExchangeTimeMs);
            return c != 0 ? c : x.TradeId.CompareTo(y.TradeId);
        }
    }
}
