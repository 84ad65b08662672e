using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using TradingDashboard.Core.Exchanges.Binance;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Binance stream message parsing (Utf8JsonReader over the received bytes) on real captured messages from the shared
/// data folder (TRADING_DATA_DIR, or shared/data above the repository): one benchmark per message type, plus a pass
/// over every trade message of an 11-minute ETHUSDT recording. Target: at least 2 million messages/s on one core,
/// no allocation beyond the resulting record. Min is reported beside the mean because the shared machines are noisy.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ParsingBenchmarks
{
    private const long ReceivedTimeMs = 1_723_161_255_400;
    private const int RecordedTradeCount = 6106;

    private readonly BinanceMessageParser _parser = new(["BTCUSDT", "ETHUSDT", "NKNUSDT"]);
    private byte[] _trade = [];
    private byte[] _aggTrade = [];
    private byte[] _kline = [];
    private byte[][] _recordedTrades = [];

    [GlobalSetup]
    public void Setup()
    {
        var root = DataRoot();
        var samples = Path.Combine(root, "protocol", "binance", "ws_samples");
        _trade = File.ReadAllBytes(Path.Combine(samples, "BTCUSDT_trade.hftbacktest_2024-08-08.json")).AsSpan().TrimEnd("\n"u8).ToArray();
        _aggTrade = File.ReadAllBytes(Path.Combine(samples, "combined_stream_aggTrade.cryptofeed_2021-10-12.json")).AsSpan().TrimEnd("\n"u8).ToArray();
        _kline = File.ReadAllBytes(Path.Combine(samples, "combined_stream_kline_1m.cryptofeed_2021-10-12.json")).AsSpan().TrimEnd("\n"u8).ToArray();

        using var file = File.OpenRead(Path.Combine(root, "binance", "spot", "ws_recordings", "ethusdt_20240808.txt.gz"));
        using var reader = new StreamReader(new GZipStream(file, CompressionMode.Decompress));
        var trades = new List<byte[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains("@trade\"", StringComparison.Ordinal))
            {
                trades.Add(Encoding.UTF8.GetBytes(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
            }
        }

        _recordedTrades = [.. trades];
        if (_recordedTrades.Length != RecordedTradeCount)
        {
            throw new InvalidOperationException($"Expected {RecordedTradeCount} trade messages in the recording, found {_recordedTrades.Length}.");
        }

        foreach (var message in (byte[][])[_trade, _aggTrade, _kline, .. _recordedTrades])
        {
            if (_parser.Parse(message, ReceivedTimeMs).Kind == BinanceMessageKind.Rejected)
            {
                throw new InvalidOperationException("A benchmark sample was rejected: " + Encoding.UTF8.GetString(message));
            }
        }
    }

    [Benchmark]
    public object? Trade() => _parser.Parse(_trade, ReceivedTimeMs).Tick;

    [Benchmark]
    public object? AggTrade() => _parser.Parse(_aggTrade, ReceivedTimeMs).Tick;

    [Benchmark]
    public object? Kline() => _parser.Parse(_kline, ReceivedTimeMs).Bar;

    /// <summary>Reference floor: only walking the kline message's tokens with Utf8JsonReader, no field handling.</summary>
    [Benchmark]
    public int KlineTokenScanOnly()
    {
        var reader = new System.Text.Json.Utf8JsonReader(_kline);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    /// <summary>Every trade message of the ETHUSDT recording (6106); reported per message.</summary>
    [Benchmark(OperationsPerInvoke = RecordedTradeCount)]
    public long RecordedTrades()
    {
        long sum = 0;
        foreach (var message in _recordedTrades)
        {
            sum += _parser.Parse(message, ReceivedTimeMs).Tick!.TradeId;
        }

        return sum;
    }

    private static string DataRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TRADING_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(Path.Combine(candidate, "binance")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("Real market data not found: set TRADING_DATA_DIR or place the repository beside shared/data.");
    }
}
