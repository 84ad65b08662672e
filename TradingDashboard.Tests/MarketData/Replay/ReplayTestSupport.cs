using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Tests.MarketData.Replay;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "td-replay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="lines"/> (newline-terminated) to a file, gzipped when the name ends in .gz.</summary>
    public string Write(string relative, params string[] lines)
    {
        var path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }

    /// <summary>Links a shared data file into this folder (the data is never copied into the repository).</summary>
    public string Link(string target, string? name = null)
    {
        var path = System.IO.Path.Combine(Path, name ?? System.IO.Path.GetFileName(target));
        File.CreateSymbolicLink(path, target);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is harmless.
        }
    }
}

/// <summary>Records everything a source sends, in order.</summary>
public sealed class RecordingSink : IMarketDataSink
{
    private readonly Lock _gate = new();
    private readonly List<object> _events = [];

    public IReadOnlyList<object> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToList();
            }
        }
    }

    public IReadOnlyList<MarketTick> Trades => Events.OfType<MarketTick>().ToList();

    public IReadOnlyList<OHLCVBar> Klines => Events.OfType<OHLCVBar>().ToList();

    public IReadOnlyList<(string Source, bool Connected, string Detail)> Connections =>
        Events.OfType<ConnectionChange>().Select(c => (c.Source, c.Connected, c.Detail)).ToList();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken) => Add(tick);

    public ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken) => Add(bar);

    public ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken) =>
        Add(new ConnectionChange(source, connected, detail));

    private ValueTask Add(object item)
    {
        lock (_gate)
        {
            _events.Add(item);
        }

        return ValueTask.CompletedTask;
    }

    public sealed record ConnectionChange(string Source, bool Connected, string Detail);
}

internal static class ReplayTestFactory
{
    public static ReplayMarketDataSource Source(string? directory, double speed = 0, TimeProvider? time = null, MarketDataMetrics? metrics = null, params string[] symbols)
    {
        var options = new TradingOptions
        {
            Symbols = symbols.Length > 0 ? [.. symbols] : ["BTCUSDT", "ETHUSDT"],
            MarketData = new MarketDataOptions { ReplayDirectory = directory, ReplaySpeed = speed },
        };
        return new ReplayMarketDataSource(Options.Create(options), time ?? TimeProvider.System, metrics ?? new MarketDataMetrics(), NullLogger<ReplayMarketDataSource>.Instance);
    }

    public static MarketDataSubscription Subscription(params string[] symbols) => new(symbols, [Timeframe.OneMinute]);
}
