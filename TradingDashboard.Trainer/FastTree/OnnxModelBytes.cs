using Google.Protobuf;

namespace TradingDashboard.Trainer.FastTree;

/// <summary>
/// The two things the trainer needs from a serialized ONNX ModelProto without a full ONNX object model: the default-domain
/// opset it imports, and appending metadata entries. Field numbers are ONNX's (onnx.proto): ModelProto.opset_import = 8,
/// ModelProto.metadata_props = 14, OperatorSetIdProto.domain = 1 / version = 2, StringStringEntryProto.key = 1 / value = 2.
/// </summary>
internal static class OnnxModelBytes
{
    private const int OpsetImportField = 8;
    private const int MetadataPropsField = 14;

    /// <summary>The version of the default ("" or "ai.onnx") operator set the model imports, or 0 when it names none.</summary>
    public static int DefaultOpset(byte[] model)
    {
        var input = new CodedInputStream(model);
        var opset = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == OpsetImportField && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var (domain, version) = ReadOpset(input.ReadBytes());
                if (domain is "" or "ai.onnx")
                {
                    opset = Math.Max(opset, (int)version);
                }
            }
            else
            {
                input.SkipLastField();
            }
        }

        return opset;
    }

    /// <summary>The model with <paramref name="entries"/> appended to its metadata_props (a repeated field: appended entries merge).</summary>
    public static byte[] WithMetadata(byte[] model, IEnumerable<KeyValuePair<string, string>> entries)
    {
        using var buffer = new MemoryStream();
        buffer.Write(model);
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        foreach (var (key, value) in entries)
        {
            using var entryBuffer = new MemoryStream();
            var entry = new CodedOutputStream(entryBuffer, leaveOpen: true);
            entry.WriteTag(1, WireFormat.WireType.LengthDelimited);
            entry.WriteString(key);
            entry.WriteTag(2, WireFormat.WireType.LengthDelimited);
            entry.WriteString(value);
            entry.Flush();
            output.WriteTag(MetadataPropsField, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(entryBuffer.ToArray()));
        }

        output.Flush();
        return buffer.ToArray();
    }

    private static (string Domain, long Version) ReadOpset(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var domain = string.Empty;
        long version = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    domain = input.ReadString();
                    break;
                case 2:
                    version = input.ReadInt64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (domain, version);
    }
}
