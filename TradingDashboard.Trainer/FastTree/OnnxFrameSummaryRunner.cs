using Microsoft.ML.OnnxRuntime;

namespace TradingDashboard.Trainer.FastTree;

/// <summary>
/// Runs an ONNX graph whose first input is a [batch, ...] float tensor and whose other inputs (ML.NET's Label, for one)
/// are unused at inference: those are fed zeros of their own element type.
/// </summary>
internal static class OnnxFrameSummaryRunner
{
    /// <summary>Runs <paramref name="count"/> rows through the graph and returns the named output, [count, 3] flattened.</summary>
    public static float[] Run(InferenceSession session, ReadOnlySpan<float> rows, int count, string outputName, string? mainInput = null)
    {
        var names = session.InputMetadata.Keys.ToList();
        mainInput ??= names.Contains(FastTreeClassifier.FeaturesColumn) ? FastTreeClassifier.FeaturesColumn : names[0];
        var output = RunOutputs(session, mainInput, rows.ToArray(), count, [outputName])[0];
        if (output.Length != count * 3)
        {
            throw new InvalidDataException($"Output '{outputName}' has {output.Length} values for {count} rows; expected [{count}, 3].");
        }

        return output;
    }

    /// <summary>
    /// Feeds <paramref name="values"/> (a batch of <paramref name="batch"/> items laid out as the main input's shape) to
    /// <paramref name="mainInput"/>, zeros to every other input, and returns the named float outputs.
    /// </summary>
    public static float[][] RunOutputs(InferenceSession session, string mainInput, float[] values, long batch, IReadOnlyList<string> outputs)
    {
        if (!session.InputMetadata.TryGetValue(mainInput, out var main))
        {
            throw new InvalidDataException($"The graph has no input '{mainInput}'.");
        }

        var shape = Shape(main, batch);
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
        {
            throw new InvalidDataException($"Input '{mainInput}' has shape [{string.Join(", ", main.Dimensions)}]; {values.Length} values for a batch of {batch} do not fit it.");
        }

        var inputValues = new List<OrtValue>();
        try
        {
            var inputNames = new List<string> { mainInput };
            inputValues.Add(OrtValue.CreateTensorValueFromMemory(values, shape));
            foreach (var (name, metadata) in session.InputMetadata)
            {
                if (name == mainInput)
                {
                    continue;
                }

                inputNames.Add(name);
                inputValues.Add(Zeros(metadata, batch));
            }

            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputNames, inputValues, outputs.ToList());
            return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
        finally
        {
            foreach (var value in inputValues)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>The node's shape with every dynamic dimension (-1) set to <paramref name="batch"/>.</summary>
    public static long[] Shape(NodeMetadata metadata, long batch) => metadata.Dimensions.Select(d => d < 0 ? batch : d).ToArray();

    /// <summary>A zero tensor of the node's element type and shape (dynamic dimensions = <paramref name="batch"/>).</summary>
    public static OrtValue Zeros(NodeMetadata metadata, long batch)
    {
        var shape = Shape(metadata, batch);
        var length = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        var type = metadata.ElementType;
        return type == typeof(float) ? OrtValue.CreateTensorValueFromMemory(new float[length], shape)
            : type == typeof(uint) ? OrtValue.CreateTensorValueFromMemory(new uint[length], shape)
            : type == typeof(int) ? OrtValue.CreateTensorValueFromMemory(new int[length], shape)
            : type == typeof(long) ? OrtValue.CreateTensorValueFromMemory(new long[length], shape)
            : type == typeof(ulong) ? OrtValue.CreateTensorValueFromMemory(new ulong[length], shape)
            : type == typeof(double) ? OrtValue.CreateTensorValueFromMemory(new double[length], shape)
            : throw new InvalidDataException($"Cannot feed zeros to an input of element type {type.Name}.");
    }
}

/// <summary>ONNX element type codes as model cards write them.</summary>
internal static class OnnxElementTypes
{
    public static string Code(Type type) =>
        type == typeof(float) ? "float32"
        : type == typeof(double) ? "float64"
        : type == typeof(uint) ? "uint32"
        : type == typeof(int) ? "int32"
        : type == typeof(long) ? "int64"
        : type == typeof(ulong) ? "uint64"
        : type == typeof(string) ? "string"
        : type == typeof(bool) ? "bool"
        : type.Name;
}
