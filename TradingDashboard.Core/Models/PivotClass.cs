namespace TradingDashboard.Core.Models;

/// <summary>
/// What a pivot model predicts for one timeframe: the type of the next pivot within the label horizon, or none.
/// The numeric values are the class indices of every model's probability outputs (none, high, low).
/// </summary>
public enum PivotClass
{
    None = 0,
    High = 1,
    Low = 2,
}

public static class PivotClassExtensions
{
    /// <summary>Classes in output order.</summary>
    public static readonly IReadOnlyList<PivotClass> All = [PivotClass.None, PivotClass.High, PivotClass.Low];

    public const int Count = 3;

    /// <summary>"none", "high" or "low", as in model cards, the evaluate JSON and the API.</summary>
    public static string ToCode(this PivotClass pivotClass) => pivotClass switch
    {
        PivotClass.None => "none",
        PivotClass.High => "high",
        PivotClass.Low => "low",
        _ => throw new ArgumentOutOfRangeException(nameof(pivotClass), pivotClass, "Unknown pivot class."),
    };
}
