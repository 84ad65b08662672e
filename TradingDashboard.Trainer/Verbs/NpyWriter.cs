using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace TradingDashboard.Trainer.Verbs;

/// <summary>
/// Writes a NumPy .npy file (format 1.0, little-endian, C order) whose first dimension grows as rows are appended; the
/// header is rewritten with the final count on dispose. Readable with numpy.load and from C# alike.
/// </summary>
internal sealed class NpyWriter : IDisposable
{
    private const int HeaderBytes = 256;
    private readonly FileStream _stream;
    private readonly string _descr;
    private readonly int[] _rowShape;

    public NpyWriter(string path, string descr, IReadOnlyList<int> rowShape)
    {
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _descr = descr;
        _rowShape = rowShape.ToArray();
        WriteHeader();
    }

    public long Rows { get; private set; }

    public void Append<T>(ReadOnlySpan<T> row)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The .npy writer assumes a little-endian machine.");
        }

        _stream.Write(MemoryMarshal.AsBytes(row));
        Rows++;
    }

    public void Dispose()
    {
        WriteHeader();
        _stream.Dispose();
    }

    private void WriteHeader()
    {
        var shape = string.Join(", ", new[] { Rows }.Concat(_rowShape.Select(d => (long)d)).Select(d => d.ToString(CultureInfo.InvariantCulture)));
        if (_rowShape.Length == 0)
        {
            shape += ",";
        }

        var dict = $"{{'descr': '{_descr}', 'fortran_order': False, 'shape': ({shape}), }}";
        var header = new byte[HeaderBytes];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), HeaderBytes - 10);
        var text = Encoding.ASCII.GetBytes(dict.PadRight(HeaderBytes - 10 - 1) + "\n");
        if (text.Length != HeaderBytes - 10)
        {
            throw new InvalidOperationException("The .npy header does not fit.");
        }

        text.CopyTo(header, 10);
        var position = _stream.Position;
        _stream.Position = 0;
        _stream.Write(header);
        _stream.Position = Math.Max(position, HeaderBytes);
    }
}
