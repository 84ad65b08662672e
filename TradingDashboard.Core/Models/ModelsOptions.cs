using Microsoft.Extensions.Options;

namespace TradingDashboard.Core.Models;

/// <summary>The "Trading:Models" section: where the pivot models live, where they run, and the inference stage.</summary>
public sealed class ModelsOptions
{
    public const string SectionName = "Trading:Models";

    /// <summary>Folder of the ONNX models and their cards; a relative path is under the repository root (or the content root outside a checkout).</summary>
    public string Directory { get; set; } = "onnx";

    /// <summary>Try the CUDA execution provider first; when it cannot be used the models run on the CPU (logged, shown per model).</summary>
    public bool UseCuda { get; set; } = true;

    public int CudaDeviceId { get; set; }

    /// <summary>Frames every new model is run on before it is accepted (recent frames of the processor, else synthetic ones).</summary>
    public int ValidationFrames { get; set; } = 8;

    /// <summary>Look for new or changed model files while running.</summary>
    public bool WatchForNewModels { get; set; } = true;

    /// <summary>How often the folder is scanned for new model files.</summary>
    public int PollIntervalSeconds { get; set; } = 30;

    /// <summary>Frames waiting for the inference stage; when full, the oldest is dropped (and counted): only the newest frame matters.</summary>
    public int InferenceChannelCapacity { get; set; } = 16;

    /// <summary>Threads ONNX Runtime may use inside one operator on the CPU (a small model at batch 1 gains nothing from more).</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Recent inference calls per model over which latency p50/p99 are taken.</summary>
    public int LatencyWindow { get; set; } = 1000;

    /// <summary>Recent predictions kept for the dashboard.</summary>
    public int RecentPredictions { get; set; } = 1000;

    /// <summary>Whether the host starts the "cnn-inference" process on start-up.</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>The models folder, resolved against <paramref name="baseDirectory"/> when relative.</summary>
    public string ResolveDirectory(string baseDirectory) =>
        Path.GetFullPath(Path.IsPathRooted(Directory) ? Directory : Path.Combine(baseDirectory, Directory));
}

/// <summary>Rejects a bad "Trading:Models" section at start, naming the setting.</summary>
public sealed class ModelsOptionsValidator : IValidateOptions<ModelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ModelsOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory) || options.Directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{S}:Directory must be a folder path (e.g. onnx).");
        }

        if (options.CudaDeviceId is < 0 or > 63)
        {
            errors.Add($"{S}:CudaDeviceId must be from 0 to 63.");
        }

        if (options.ValidationFrames is < 1 or > 1024)
        {
            errors.Add($"{S}:ValidationFrames must be from 1 to 1024.");
        }

        if (options.PollIntervalSeconds is < 1 or > 86_400)
        {
            errors.Add($"{S}:PollIntervalSeconds must be from 1 to 86400.");
        }

        if (options.InferenceChannelCapacity is < 1 or > 100_000)
        {
            errors.Add($"{S}:InferenceChannelCapacity must be from 1 to 100000.");
        }

        if (options.IntraOpThreads is < 0 or > 256)
        {
            errors.Add($"{S}:IntraOpThreads must be from 0 (ONNX Runtime's default) to 256.");
        }

        if (options.LatencyWindow is < 10 or > 1_000_000)
        {
            errors.Add($"{S}:LatencyWindow must be from 10 to 1000000 calls.");
        }

        if (options.RecentPredictions is < 10 or > 1_000_000)
        {
            errors.Add($"{S}:RecentPredictions must be from 10 to 1000000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
