namespace TradingDashboard.Core.Models;

/// <summary>
/// The compact input of the tree models (<see cref="InputKinds.FrameSummary"/>): for every block (symbol, timeframe) of a
/// feature frame, the features of its last bar, then their mean over the window. Length 2 x symbols x timeframes x features.
/// Masked values are 0 in the frame and stay 0 here; a fully masked block gives zeros. Trainer and host share this code,
/// so a tree model sees the same numbers in training and in serving.
/// </summary>
public static class FrameSummaryFeatures
{
    public static int Length(int symbols, int timeframes, int features) => 2 * symbols * timeframes * features;

    /// <summary>Writes the summary of one frame (<paramref name="frame"/> laid out [symbols, timeframes, window, features]).</summary>
    public static void Extract(ReadOnlySpan<float> frame, int symbols, int timeframes, int window, int features, Span<float> destination)
    {
        var blocks = symbols * timeframes;
        var blockLength = window * features;
        if (frame.Length != blocks * blockLength)
        {
            throw new ArgumentException($"The frame has {frame.Length} values; expected {blocks * blockLength}.", nameof(frame));
        }

        if (destination.Length != 2 * blocks * features)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; expected {2 * blocks * features}.", nameof(destination));
        }

        var inverseWindow = 1f / window;
        for (var b = 0; b < blocks; b++)
        {
            var block = frame.Slice(b * blockLength, blockLength);
            var last = destination.Slice(b * 2 * features, features);
            var mean = destination.Slice((b * 2 * features) + features, features);
            block.Slice((window - 1) * features, features).CopyTo(last);
            mean.Clear();
            for (var w = 0; w < window; w++)
            {
                var row = block.Slice(w * features, features);
                for (var f = 0; f < features; f++)
                {
                    mean[f] += row[f];
                }
            }

            for (var f = 0; f < features; f++)
            {
                mean[f] *= inverseWindow;
            }
        }
    }
}
