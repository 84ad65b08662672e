using System.Globalization;
using Plotly.Blazor.Traces.ScatterLib.MarkerLib;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Ui;

namespace TradingDashboard.Components.Charts;

/// <summary>
/// The latest predicted next pivot of the shown symbol and timeframe as one marker at the right edge of the chart: at
/// the first bar of the prediction's horizon, above the last candle's high for a predicted high (pointing down, like a
/// pivot-high marker), below its low for a predicted low (pointing up), a hollow circle at its close for "no pivot".
/// The hover text carries the probability, confidence, model and time.
/// </summary>
public sealed record PredictionMarker(string X, double Y, PivotClass Predicted, float Probability, float Confidence, string ModelName, string SymbolName, string Color, string Text)
{
    public const string Uid = "prediction";
    public const string HighColor = "#f6465d";
    public const string LowColor = "#0ecb81";
    public const string NoneColor = "#848e9c";

    public SymbolEnum Symbol => Predicted switch
    {
        PivotClass.High => SymbolEnum.TriangleDown,
        PivotClass.Low => SymbolEnum.TriangleUp,
        _ => SymbolEnum.CircleOpen,
    };

    /// <summary>
    /// The marker for <paramref name="symbol"/> and <paramref name="timeframe"/> from the newest predictions of every model,
    /// or null when none has an output for that timeframe or there is no candle to place it by. Where several models
    /// predict the timeframe: an active model first (<paramref name="activeModels"/>), then the newest, then by name.
    /// </summary>
    public static PredictionMarker? From(IReadOnlyList<CNNPrediction> latest, string symbol, Timeframe timeframe, OHLCVBar? lastBar, IReadOnlySet<string>? activeModels)
    {
        ArgumentNullException.ThrowIfNull(latest);
        if (lastBar is null)
        {
            return null;
        }

        var chosen = latest
            .Where(p => string.Equals(p.Symbol, symbol, StringComparison.OrdinalIgnoreCase) && p.For(timeframe) is { Available: true })
            .OrderByDescending(p => activeModels?.Contains(p.ModelName) == true)
            .ThenByDescending(p => p.AsOfMs)
            .ThenBy(p => p.ModelName, StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen is null)
        {
            return null;
        }

        var head = chosen.For(timeframe)!;
        var predicted = head.Predicted;
        var duration = timeframe.DurationMs();
        // The prediction is about pivots in bars from the first bar opening at or after its as-of time.
        var horizonStart = timeframe.BucketStart(chosen.AsOfMs + duration - 1);
        var probability = head.Probability(predicted);
        var (y, symbolName, color, what) = predicted switch
        {
            PivotClass.High => (lastBar.High, "triangle-down", HighColor, "pivot high"),
            PivotClass.Low => (lastBar.Low, "triangle-up", LowColor, "pivot low"),
            _ => (lastBar.Close, "circle-open", NoneColor, "no pivot"),
        };
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"Predicted next: {what} · p {probability * 100:0.0} % · confidence {head.Confidence * 100:0.0} %<br>{chosen.ModelName} {chosen.ModelVersion} · as of {DisplayFormat.DateTime(DateTimeOffset.FromUnixTimeMilliseconds(chosen.AsOfMs))}");
        return new PredictionMarker(CandleSeries.FormatTime(horizonStart), y, predicted, probability, head.Confidence, chosen.ModelName, symbolName, color, text);
    }
}
