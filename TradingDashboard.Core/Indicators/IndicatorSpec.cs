using System.Globalization;

namespace TradingDashboard.Core.Indicators;

/// <summary>
/// An indicator named as in the settings and in CSV headers: a kind and its parameters joined by underscores, e.g.
/// <c>sma_20</c>, <c>macd_12_26_9</c>, <c>bb_20_2</c>, <c>stoch_14_3_3</c>, <c>adx_14</c>, <c>obv</c>, <c>vwap</c>.
/// </summary>
public sealed record IndicatorSpec
{
    /// <summary>Every kind, with the number of parameters it takes (min, max).</summary>
    public static readonly IReadOnlyDictionary<string, (int Min, int Max, string Help)> Kinds = new Dictionary<string, (int, int, string)>(StringComparer.Ordinal)
    {
        ["sma"] = (1, 1, "sma_PERIOD"),
        ["ema"] = (1, 1, "ema_PERIOD"),
        ["wma"] = (1, 1, "wma_PERIOD"),
        ["rsi"] = (1, 1, "rsi_PERIOD"),
        ["macd"] = (3, 3, "macd_FAST_SLOW_SIGNAL"),
        ["bb"] = (2, 2, "bb_PERIOD_K"),
        ["atr"] = (1, 1, "atr_PERIOD"),
        ["stoch"] = (3, 3, "stoch_FASTK_SLOWK_SLOWD"),
        ["willr"] = (1, 1, "willr_PERIOD"),
        ["cci"] = (1, 1, "cci_PERIOD"),
        ["adx"] = (1, 1, "adx_PERIOD (also gives plus_di_PERIOD and minus_di_PERIOD)"),
        ["obv"] = (0, 0, "obv"),
        ["mfi"] = (1, 1, "mfi_PERIOD"),
        ["roc"] = (1, 1, "roc_PERIOD"),
        ["stddev"] = (1, 2, "stddev_PERIOD[_K]"),
        ["vwap"] = (0, 0, "vwap (session VWAP since 00:00 UTC)"),
    };

    /// <summary>The default set, whose columns are those of the trainer's <c>indicators</c> verb.</summary>
    public static readonly IReadOnlyList<string> DefaultNames =
    [
        "sma_20", "ema_20", "wma_20", "rsi_14", "macd_12_26_9", "bb_20_2", "atr_14", "stoch_14_3_3", "willr_14", "cci_20",
        "adx_14", "obv", "mfi_14", "roc_10", "stddev_20", "vwap",
    ];

    private IndicatorSpec(string kind, double[] parameters)
    {
        Kind = kind;
        Parameters = parameters;
        Name = Names.Of(kind, parameters);
    }

    public string Kind { get; }

    public IReadOnlyList<double> Parameters { get; }

    public string Name { get; }

    public static IReadOnlyList<IndicatorSpec> Defaults { get; } = DefaultNames.Select(Parse).ToList();

    public static bool TryParse(string? text, out IndicatorSpec spec, out string error)
    {
        spec = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an indicator name is empty";
            return false;
        }

        var parts = text.Trim().ToLowerInvariant().Split('_');
        var kind = parts[0];
        if (!Kinds.TryGetValue(kind, out var shape))
        {
            error = $"unknown indicator '{text}' (known: {string.Join(", ", Kinds.Keys)})";
            return false;
        }

        var count = parts.Length - 1;
        if (count < shape.Min || count > shape.Max)
        {
            error = $"indicator '{text}' needs the form {shape.Help}";
            return false;
        }

        var parameters = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (!double.TryParse(parts[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out parameters[i]) || !double.IsFinite(parameters[i]) || parameters[i] <= 0)
            {
                error = $"indicator '{text}': parameter '{parts[i + 1]}' is not a positive number";
                return false;
            }

            // Every parameter but the band width (bb K, stddev K) is a whole number of bars.
            var isWidth = (kind == "bb" || kind == "stddev") && i == 1;
            if (!isWidth && (parameters[i] != Math.Floor(parameters[i]) || parameters[i] > 100_000))
            {
                error = $"indicator '{text}': parameter '{parts[i + 1]}' must be a whole number of bars up to 100000";
                return false;
            }
        }

        var minimum = kind switch
        {
            "rsi" or "willr" or "cci" or "adx" or "mfi" or "bb" or "stddev" => 2,
            "macd" => 2,
            _ => 1,
        };
        if (count > 0 && parameters[0] < minimum)
        {
            error = $"indicator '{text}': the period must be at least {minimum}";
            return false;
        }

        if (kind == "macd" && parameters[1] < 2)
        {
            error = $"indicator '{text}': the slow period must be at least 2";
            return false;
        }

        if (kind == "stddev" && count == 2 && parameters[1] == 1.0)
        {
            // stddev_N_1 is stddev_N (one standard deviation is the default).
            parameters = [parameters[0]];
        }

        spec = new IndicatorSpec(kind, parameters);
        error = string.Empty;
        return true;
    }

    public static IndicatorSpec Parse(string text) =>
        TryParse(text, out var spec, out var error) ? spec : throw new FormatException(error);

    /// <summary>A fresh streaming instance.</summary>
    public IStreamingIndicator Create()
    {
        int P(int i) => (int)Parameters[i];
        return Kind switch
        {
            "sma" => new Sma(P(0)),
            "ema" => new Ema(P(0)),
            "wma" => new Wma(P(0)),
            "rsi" => new Rsi(P(0)),
            "macd" => new Macd(P(0), P(1), P(2)),
            "bb" => new BollingerBands(P(0), Parameters[1]),
            "atr" => new Atr(P(0)),
            "stoch" => new Stochastic(P(0), P(1), P(2)),
            "willr" => new WilliamsR(P(0)),
            "cci" => new Cci(P(0)),
            "adx" => new DirectionalMovement(P(0)),
            "obv" => new Obv(),
            "mfi" => new Mfi(P(0)),
            "roc" => new Roc(P(0)),
            "stddev" => new StdDev(P(0), Parameters.Count > 1 ? Parameters[1] : 1.0),
            "vwap" => new SessionVwap(),
            _ => throw new InvalidOperationException($"No implementation for '{Kind}'."),
        };
    }

    public override string ToString() => Name;
}
