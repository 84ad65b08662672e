using System.Globalization;

namespace TradingDashboard.Core.Models;

/// <summary>The model files of a folder as the registries watch them (the pivot model registry, the RL policy registry).</summary>
public static class ModelFiles
{
    /// <summary>The folder's top-level <c>*.onnx</c> files (full paths, ordinal order) with their fingerprints; empty when the folder does not exist.</summary>
    public static List<(string Path, string Fingerprint)> List(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "*.onnx", SearchOption.TopDirectoryOnly)
            .Order(StringComparer.Ordinal)
            .Select(p => (Path.GetFullPath(p), Fingerprint(p)))
            .ToList();
    }

    /// <summary>Size and write time of the file and its card: a change of either (a copy finishing, a new card) offers the model again.</summary>
    public static string Fingerprint(string onnxPath)
    {
        var onnx = new FileInfo(onnxPath);
        var card = new FileInfo(Path.ChangeExtension(onnxPath, ".json"));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{onnx.Length}:{onnx.LastWriteTimeUtc.Ticks}|{(card.Exists ? $"{card.Length}:{card.LastWriteTimeUtc.Ticks}" : "-")}");
    }
}
