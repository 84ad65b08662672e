using System.Globalization;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Core.Strategies;

/// <summary>Parameters of the rule expert (docs/strategies.md).</summary>
/// <param name="Level">Williams pivot level whose breaks are traded (1..5; 2 by default).</param>
/// <param name="AtrPeriod">Wilder ATR period carried on entries for ATR-based stops.</param>
/// <param name="Timeframe">Timeframe traded; null: the timeframe of the first bar seen (bars of other timeframes are ignored).</param>
/// <param name="Pivots">Pivot detector parameters (as the data processor's).</param>
public sealed record PivotBreakoutSettings(int Level = 2, int AtrPeriod = 14, Timeframe? Timeframe = null, PivotSettings? Pivots = null)
{
    public static PivotBreakoutSettings Default { get; } = new();

    public void Validate()
    {
        if (Level is < 1 or > PivotSettings.Levels)
        {
            throw new ArgumentOutOfRangeException(nameof(Level), Level, $"The pivot level must be from 1 to {PivotSettings.Levels}.");
        }

        if (AtrPeriod is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(AtrPeriod), AtrPeriod, "The ATR period must be from 1 to 1000.");
        }

        (Pivots ?? PivotSettings.Default).Validate();
    }
}

/// <summary>
/// The rule expert (strategy name <c>rule</c>), long/flat, documented in docs/strategies.md. Per symbol, on each
/// closed bar of its timeframe, after the bar went through the <see cref="DataProcessor"/> (the same indicator and
/// Williams pivot code as the live data processor):
/// <list type="bullet">
/// <item>Entry (flat): the close is above the last confirmed level-N pivot high, the level-N trend is not Down, and
/// that pivot high has not triggered an entry before: target long 1 / (number of symbols) of equity, carrying the
/// ATR and the last confirmed level-N pivot low for the stop (StopLossManager ATR or pivot mode).</item>
/// <item>Exit (long): the close is below the last confirmed level-N pivot low: target flat. The stop itself is held
/// by the executor's StopLossManager.</item>
/// </list>
/// Only pivots with ConfirmedAt at or before the bar's close are used (the detector cannot confirm later ones, and
/// the strategy checks it again): no look-ahead. Not thread-safe: one caller feeds bars in time order per symbol.
/// </summary>
public sealed class PivotBreakoutStrategy : IStrategy
{
    public const string StrategyName = "rule";

    private readonly PivotBreakoutSettings _settings;
    private readonly string[] _symbols;
    private readonly decimal _weight;
    private readonly ProcessorOutput _output = new();
    private readonly Dictionary<string, SymbolState> _states = new(StringComparer.Ordinal);
    private readonly RecentByReference<SymbolState> _recent = new();
    private readonly string _atrColumn;
    private DataProcessor? _processor;
    private Timeframe? _timeframe;
    private long _lookAheadRefusals;

    public PivotBreakoutStrategy(IReadOnlyList<string> symbols, PivotBreakoutSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        if (symbols.Count == 0)
        {
            throw new ArgumentException("The rule expert needs at least one symbol.", nameof(symbols));
        }

        _settings = settings ?? PivotBreakoutSettings.Default;
        _settings.Validate();
        _symbols = symbols.Distinct(StringComparer.Ordinal).ToArray();
        _weight = 1m / _symbols.Length;
        _atrColumn = "atr_" + _settings.AtrPeriod.ToString(CultureInfo.InvariantCulture);
        _timeframe = _settings.Timeframe;
        if (_timeframe is { } tf)
        {
            CreateProcessor(tf);
        }
    }

    public string Name => StrategyName;

    public PivotBreakoutSettings Settings => _settings;

    /// <summary>The timeframe traded (null until the first bar when not configured).</summary>
    public Timeframe? Timeframe => _timeframe;

    /// <summary>The processor the bars go through (indicators and pivots); null before the first bar when the timeframe is not configured.</summary>
    public DataProcessor? Processor => _processor;

    /// <summary>Pivots refused because they were confirmed after the bar's close (always 0 unless the detector breaks its contract).</summary>
    public long LookAheadRefusals => _lookAheadRefusals;

    public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(context);
        if (_timeframe is null)
        {
            CreateProcessor(bar.Timeframe);
        }

        if (bar.Timeframe != _timeframe || !StateOf(bar.Symbol, out var state))
        {
            return null;
        }

        _output.Clear();
        if (!_processor!.Process(bar, _output))
        {
            return null; // forming, duplicate, out of order or bad numbers: refused and counted by the processor
        }

        if (context.IsWarmup)
        {
            return null;
        }

        var level = _settings.Level;
        var pivots = state.Series.Pivots;
        var closeTime = bar.CloseTimeMs;
        var high = Usable(pivots.LastHigh(level), closeTime);
        var low = Usable(pivots.LastLow(level), closeTime);
        var position = context.PositionOf(bar.Symbol);
        var close = bar.Close;
        if (position > 0)
        {
            if (low is not null && close < low.Price)
            {
                return new PositionTarget(bar.Symbol, 0m, Name, 1.0, string.Create(CultureInfo.InvariantCulture, $"close {close} below L{level} pivot low {low.Price}"), context.Now);
            }

            return null;
        }

        if (position != 0 || high is null || close <= high.Price || high.OpenTimeMs == state.LastEntryPivotOpenMs)
        {
            return null;
        }

        var trend = pivots.GetTrend(level);
        if (trend == Trend.Down)
        {
            return null;
        }

        state.LastEntryPivotOpenMs = high.OpenTimeMs;
        var atr = state.AtrIndex >= 0 ? state.Series.LastRow[state.AtrIndex] : double.NaN;
        return new PositionTarget(
            bar.Symbol,
            _weight,
            Name,
            1.0,
            string.Create(CultureInfo.InvariantCulture, $"close {close} above L{level} pivot high {high.Price}, L{level} trend {trend}"),
            context.Now)
        {
            Atr = double.IsFinite(atr) && atr > 0 ? atr : null,
            StopPivot = low is not null && double.IsFinite(low.Price) ? (decimal)low.Price : null,
        };
    }

    private bool StateOf(string symbol, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SymbolState? state)
    {
        if (_recent.TryGet(symbol, out state))
        {
            return true;
        }

        if (!_states.TryGetValue(symbol, out state))
        {
            return false;
        }

        _recent.Remember(symbol, state);
        return true;
    }

    private PivotPoint? Usable(PivotPoint? pivot, long closeTimeMs)
    {
        if (pivot is null || pivot.ConfirmedAtMs <= closeTimeMs)
        {
            return pivot;
        }

        _lookAheadRefusals++;
        return null;
    }

    private void CreateProcessor(Timeframe timeframe)
    {
        _timeframe = timeframe;
        var settings = new DataProcessorSettings
        {
            Symbols = _symbols,
            Timeframes = [timeframe],
            Indicators = new Dictionary<Timeframe, IReadOnlyList<IndicatorSpec>> { [timeframe] = [IndicatorSpec.Parse(_atrColumn)] },
            Pivots = _settings.Pivots ?? PivotSettings.Default,
            Features = null,
            HistoryBars = 0,
        };
        _processor = new DataProcessor(settings);
        foreach (var symbol in _symbols)
        {
            var series = _processor.GetSeries(symbol, timeframe)!;
            _states[symbol] = new SymbolState(series, series.Indicators.IndexOf(_atrColumn));
        }
    }

    private sealed class SymbolState(SeriesProcessor series, int atrIndex)
    {
        public SeriesProcessor Series { get; } = series;

        public int AtrIndex { get; } = atrIndex;

        /// <summary>Open time of the pivot high whose break last produced an entry (each pivot high triggers at most one).</summary>
        public long LastEntryPivotOpenMs { get; set; } = long.MinValue;
    }
}
