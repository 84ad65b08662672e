using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Backtesting;

/// <summary>What a strategy may read about the account while deciding (no access to orders or the future).</summary>
public interface IStrategyContext
{
    /// <summary>Simulated (or live) time of the decision: the close of the bar being handled.</summary>
    DateTimeOffset Now { get; }

    /// <summary>True for warm-up bars before the trading period: targets returned then are ignored.</summary>
    bool IsWarmup { get; }

    decimal Equity { get; }

    /// <summary>Signed position quantity of a symbol.</summary>
    decimal PositionOf(string symbol);
}

/// <summary>
/// A trading strategy (the design's expert, reduced to its interface): sees each closed bar of each symbol in time
/// order, keeps its own state, and returns a <see cref="PositionTarget"/> when it wants the position changed (null:
/// no new opinion). The pivot-based rule expert and the ML experts implement this; the same instance type runs in
/// backtests and live.
/// </summary>
public interface IStrategy
{
    /// <summary>Name used for --strategy, reports and order intent ids.</summary>
    string Name { get; }

    PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context);
}

/// <summary>
/// Buy and hold: on the first trading bar of each symbol, target a long of 1 / (number of symbols) of equity, then
/// never change. The benchmark uses the same idea without fees, slippage or risk limits.
/// </summary>
public sealed class BuyAndHoldStrategy(IReadOnlyCollection<string> symbols) : IStrategy
{
    private readonly HashSet<string> _entered = new(StringComparer.Ordinal);

    public string Name => "buy-and-hold";

    public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsWarmup || !symbols.Contains(bar.Symbol) || context.PositionOf(bar.Symbol) != 0 || !_entered.Add(bar.Symbol))
        {
            return null;
        }

        return new PositionTarget(bar.Symbol, 1m / symbols.Count, Name, 1.0, "buy and hold", context.Now);
    }
}

/// <summary>
/// Moving-average cross, long/flat: long (target 1 / number of symbols) while the simple moving average of the last
/// <c>fast</c> closes is above that of the last <c>slow</c> closes, flat otherwise. Emits a target only when the
/// signal changes (and once when the averages first exist). Carries a Wilder ATR(14) for ATR-based stops.
/// O(1) per bar; state per symbol.
/// </summary>
public sealed class MovingAverageCrossStrategy : IStrategy
{
    private const int AtrPeriod = 14;
    private readonly int _fast;
    private readonly int _slow;
    private readonly decimal _weight;
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);

    public MovingAverageCrossStrategy(int fast, int slow, int symbolCount = 1)
    {
        if (fast < 1 || slow <= fast)
        {
            throw new ArgumentException($"Need 1 <= fast < slow, got fast {fast}, slow {slow}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(symbolCount, 1);
        _fast = fast;
        _slow = slow;
        _weight = 1m / symbolCount;
        Name = $"ma-cross:{fast}:{slow}";
    }

    public string Name { get; }

    public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(context);
        if (!_states.TryGetValue(bar.Symbol, out var s))
        {
            s = new State(_slow);
            _states[bar.Symbol] = s;
        }

        s.Add(bar, _fast, _slow);
        if (s.Count < _slow || s.Atr is null)
        {
            return null;
        }

        if (context.IsWarmup)
        {
            return null; // Signal stays unset: the first trading bar states the current signal
        }

        var signal = s.FastSum / _fast > s.SlowSum / _slow ? 1 : 0;
        if (signal == s.Signal)
        {
            return null;
        }

        s.Signal = signal;
        var reason = signal == 1 ? $"SMA{_fast} above SMA{_slow}" : $"SMA{_fast} at or below SMA{_slow}";
        return new PositionTarget(bar.Symbol, signal * _weight, Name, 1.0, reason, context.Now) { Atr = s.Atr };
    }

    private sealed class State(int slow)
    {
        private readonly double[] _closes = new double[slow];
        private double _previousClose = double.NaN;
        private double _trSum;
        private int _trCount;

        public int Count;
        public double FastSum;
        public double SlowSum;
        public int Signal = -1;
        public double? Atr;

        public void Add(OHLCVBar bar, int fast, int slowLength)
        {
            var tr = double.IsNaN(_previousClose)
                ? bar.High - bar.Low
                : Math.Max(bar.High, _previousClose) - Math.Min(bar.Low, _previousClose);
            _previousClose = bar.Close;
            if (Atr is { } atr)
            {
                Atr = (atr * (AtrPeriod - 1) + tr) / AtrPeriod;
            }
            else if (++_trCount <= AtrPeriod)
            {
                _trSum += tr;
                if (_trCount == AtrPeriod)
                {
                    Atr = _trSum / AtrPeriod;
                }
            }

            var index = Count % slowLength;
            if (Count >= slowLength)
            {
                SlowSum -= _closes[index];
            }

            if (Count >= fast)
            {
                FastSum -= _closes[(Count - fast) % slowLength];
            }

            _closes[index] = bar.Close;
            SlowSum += bar.Close;
            FastSum += bar.Close;
            Count++;
        }
    }
}

/// <summary>
/// Strategies by name, for --strategy: "buy-and-hold", "ma-cross" (20/50) or "ma-cross:FAST:SLOW", "rule" (the
/// level-2 pivot breakout rule expert, docs/strategies.md), "rule:LEVEL" or "rule:LEVEL:ATR_PERIOD". Other strategies (the ML experts)
/// register themselves with <see cref="Register"/>.
/// </summary>
public sealed class StrategyCatalog
{
    private readonly Dictionary<string, Func<string[], IReadOnlyList<string>, IStrategy>> _factories = new(StringComparer.OrdinalIgnoreCase);

    public StrategyCatalog()
    {
        Register("buy-and-hold", (_, symbols) => new BuyAndHoldStrategy(symbols.ToList()));
        Register("ma-cross", (args, symbols) => args.Length switch
        {
            0 => new MovingAverageCrossStrategy(20, 50, symbols.Count),
            2 => new MovingAverageCrossStrategy(int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), symbols.Count),
            _ => throw new ArgumentException("ma-cross takes no parameters or FAST:SLOW, e.g. ma-cross:20:50."),
        });
        Register(Strategies.PivotBreakoutStrategy.StrategyName, (args, symbols) => args.Length switch
        {
            0 => new Strategies.PivotBreakoutStrategy(symbols),
            1 or 2 => new Strategies.PivotBreakoutStrategy(symbols, new Strategies.PivotBreakoutSettings(
                Level: int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture),
                AtrPeriod: args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 14)),
            _ => throw new ArgumentException("rule takes no parameters, LEVEL or LEVEL:ATR_PERIOD, e.g. rule:2 or rule:2:14."),
        });
    }

    public IReadOnlyCollection<string> Names => _factories.Keys.Order(StringComparer.Ordinal).ToList();

    /// <param name="factory">Gets the parameters after the name (split on ':') and the traded symbols.</param>
    public void Register(string name, Func<string[], IReadOnlyList<string>, IStrategy> factory) => _factories[name] = factory;

    public IStrategy Create(string spec, IReadOnlyList<string> symbols)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        ArgumentNullException.ThrowIfNull(symbols);
        var parts = spec.Split(':');
        return _factories.TryGetValue(parts[0], out var factory)
            ? factory(parts[1..], symbols)
            : throw new ArgumentException($"Unknown strategy '{parts[0]}'. Known: {string.Join(", ", Names)}.");
    }
}
