using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;

namespace TradingDashboard.Components.Pages.Quality;

/// <summary>Valid values (mask = 1) of one block of a feature frame: one symbol and timeframe, WindowLength bars × features.</summary>
public sealed record BlockCoverage(string Symbol, Timeframe Timeframe, bool Optional, bool Present, int Valid, int Total)
{
    public double Fraction => Total == 0 ? 0 : (double)Valid / Total;
}

/// <summary>How much of a feature frame is valid: the fraction of mask entries that are 1, overall and per block.</summary>
public sealed record FrameCoverage(int Valid, int Total, IReadOnlyList<BlockCoverage> Blocks)
{
    public double Fraction => Total == 0 ? 0 : (double)Valid / Total;

    /// <summary>Counts the mask of <paramref name="frame"/>, laid out as <paramref name="schema"/> says ([symbol][timeframe][bar][feature]).</summary>
    public static FrameCoverage Of(FeatureFrame frame, FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(schema);
        var blocks = new List<BlockCoverage>(schema.Symbols.Count * schema.Timeframes.Count);
        var valid = 0;
        var total = 0;
        for (var s = 0; s < schema.Symbols.Count; s++)
        {
            for (var t = 0; t < schema.Timeframes.Count; t++)
            {
                var offset = schema.BlockOffset(s, t);
                var length = Math.Max(0, Math.Min(schema.BlockLength, frame.Mask.Length - offset));
                var ones = 0;
                foreach (var m in frame.Mask.AsSpan(offset, length))
                {
                    ones += m != 0 ? 1 : 0;
                }

                var b = (s * schema.Timeframes.Count) + t;
                var timeframe = schema.Timeframes[t];
                blocks.Add(new BlockCoverage(
                    schema.Symbols[s],
                    timeframe,
                    schema.Settings.OptionalTimeframes.Contains(timeframe),
                    b < frame.BlockPresent.Count && frame.BlockPresent[b],
                    ones,
                    schema.BlockLength));
                valid += ones;
                total += schema.BlockLength;
            }
        }

        return new FrameCoverage(valid, total, blocks);
    }
}
