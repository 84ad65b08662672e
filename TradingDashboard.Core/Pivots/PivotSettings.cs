namespace TradingDashboard.Core.Pivots;

/// <summary>Parameters of the Williams pivot detector (see docs/pivots.md).</summary>
/// <param name="Strength">Level 1: bars on each side that a swing high must exceed (a swing low undercut).</param>
/// <param name="HigherLevelStrength">Levels 2..5: pivots of the level below, of the same type, on each side.</param>
/// <param name="KeepPerLevel">Pivots remembered per level for support/resistance and the dashboard.</param>
/// <param name="VolumeLookbackBars">Bars remembered for the volume range of <see cref="PivotBounds"/>.</param>
public sealed record PivotSettings(int Strength = 2, int HigherLevelStrength = 1, int KeepPerLevel = 200, int VolumeLookbackBars = 10_000)
{
    public const int Levels = 5;

    public static PivotSettings Default { get; } = new();

    /// <summary>Throws for settings the detector cannot run with.</summary>
    public void Validate()
    {
        if (Strength is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "Strength must be from 1 to 100 bars.");
        }

        if (HigherLevelStrength is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(HigherLevelStrength), HigherLevelStrength, "HigherLevelStrength must be from 1 to 100 pivots.");
        }

        if (KeepPerLevel is < 4 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepPerLevel), KeepPerLevel, "KeepPerLevel must be from 4 to 100000.");
        }

        if (VolumeLookbackBars is < 10 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(VolumeLookbackBars), VolumeLookbackBars, "VolumeLookbackBars must be from 10 to 10000000.");
        }
    }
}
