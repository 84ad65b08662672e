using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace TradingDashboard.Core.Models;

/// <summary>An ONNX Runtime session and where it runs ("CUDA" or "CPU"). Disposing it disposes the session and its options.</summary>
public sealed class OnnxSession(InferenceSession session, SessionOptions options, string executionProvider) : IDisposable
{
    public InferenceSession Session { get; } = session;

    /// <summary>"CUDA" or "CPU".</summary>
    public string ExecutionProvider { get; } = executionProvider;

    public void Dispose()
    {
        Session.Dispose();
        options.Dispose();
    }
}

/// <summary>
/// Opens ONNX models on the CUDA execution provider when <see cref="ModelsOptions.UseCuda"/> is set and CUDA works, else on
/// the CPU. Whether CUDA works is decided by trying: ONNX Runtime lists CUDA among its providers even where no GPU or CUDA
/// library exists, and appending the provider (or creating the session with it) then throws. When the provider itself cannot be set
/// up, CUDA is not tried again for later models (the reason is kept in <see cref="CudaUnavailableReason"/>).
/// </summary>
public sealed partial class OnnxSessionFactory(IOptions<ModelsOptions> options, ILogger<OnnxSessionFactory> logger)
{
    public const string Cuda = "CUDA";
    public const string Cpu = "CPU";

    private readonly ModelsOptions _options = options.Value;
    private volatile string? _cudaUnavailable;

    /// <summary>Why the CUDA provider cannot be set up (null when it can, or was never tried).</summary>
    public string? CudaUnavailableReason => _cudaUnavailable;

    /// <summary>Opens the model at <paramref name="onnxPath"/>; throws when it cannot be opened even on the CPU.</summary>
    public OnnxSession Open(string onnxPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        if (_options.UseCuda && _cudaUnavailable is null)
        {
            var cudaOptions = CreateOptions();
            var appended = false;
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
                appended = true;
                var session = new InferenceSession(onnxPath, cudaOptions);
                LogOpened(logger, Path.GetFileName(onnxPath), Cuda);
                return new OnnxSession(session, cudaOptions, Cuda);
            }
#pragma warning disable CA1031 // Any failure of the CUDA path (missing library, no device, driver mismatch) means: use the CPU.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                cudaOptions.Dispose();

                // The provider itself could not be set up: no model will get it, so it is not tried again. A session that
                // failed with CUDA may be this model's fault: the next model tries CUDA again.
                if (!appended)
                {
                    _cudaUnavailable = FirstLine(ex.Message);
                }

                LogCudaFallback(logger, ex, Path.GetFileName(onnxPath), _options.CudaDeviceId, FirstLine(ex.Message));
            }
        }

        var cpuOptions = CreateOptions();
        try
        {
            var session = new InferenceSession(onnxPath, cpuOptions);
            LogOpened(logger, Path.GetFileName(onnxPath), Cpu);
            return new OnnxSession(session, cpuOptions, Cpu);
        }
        catch
        {
            cpuOptions.Dispose();
            throw;
        }
    }

    private SessionOptions CreateOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = _options.IntraOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        return options;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "ONNX model {File} runs on {Provider}")]
    private static partial void LogOpened(ILogger logger, string file, string provider);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "CUDA execution provider (device {DeviceId}) unavailable for {File}, falling back to CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, Exception exception, string file, int deviceId, string reason);
}
