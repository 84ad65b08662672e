using Google.Protobuf;
using Onnx;

namespace TradingDashboard.Trainer.Onnx;

/// <summary>
/// Small builders for ONNX protobuf graphs written in pure C# (OnnxSharp), shared by the CNN, policy and gate exporters
/// and by the tests and benchmarks that build tiny graphs. A negative dimension is the dynamic batch dimension "batch".
/// </summary>
public static class OnnxProto
{
    public const int FloatType = (int)TensorProto.Types.DataType.Float;
    public const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var node = new NodeProto { OpType = op, Name = outputs[0] + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float32 initializer (raw little-endian data) of the given shape.</summary>
    public static TensorProto Floats(string name, float[] values, long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return tensor;
    }

    /// <summary>A 1-D int64 initializer (shapes, axes).</summary>
    public static TensorProto Int64s(string name, long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = new TensorProto { Name = name, DataType = Int64Type };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    /// <summary>A float32 graph input or output; negative dimensions are the dynamic "batch" dimension.</summary>
    public static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } } };
    }
}
