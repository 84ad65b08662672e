using System.Buffers.Binary;
using System.Text;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>One version a shared library needs from another (an <c>Elf64_Vernaux</c> entry of <c>.gnu.version_r</c>).</summary>
/// <param name="File">The library the version is needed from, e.g. "libstdc++.so.6".</param>
/// <param name="Version">The version name, e.g. "GLIBCXX_3.4.32".</param>
/// <param name="Flags">vna_flags; bit 2 (<see cref="ElfSymbolVersions.WeakFlag"/>) makes the need weak.</param>
/// <param name="FlagsOffset">File offset of the 16-bit vna_flags field.</param>
public sealed record ElfVersionNeed(string File, string Version, ushort Flags, long FlagsOffset)
{
    public bool IsWeak => (Flags & ElfSymbolVersions.WeakFlag) != 0;
}

/// <summary>
/// Reads and edits the symbol-version sections of a 64-bit little-endian ELF file (x86-64 Linux): the versions it needs
/// (<c>.gnu.version_r</c>) and the versions it defines (<c>.gnu.version_d</c>). Only section headers are read, which
/// every shared library from a normal toolchain keeps.
/// </summary>
public static class ElfSymbolVersions
{
    /// <summary>VER_FLG_WEAK: the dynamic loader warns instead of refusing the library when the version is missing.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    public static bool IsElf64LittleEndian(ReadOnlySpan<byte> elf) =>
        elf.Length >= 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F' && elf[4] == 2 && elf[5] == 1;

    /// <summary>Every version the file needs, in section order.</summary>
    public static IReadOnlyList<ElfVersionNeed> ReadNeeds(ReadOnlySpan<byte> elf)
    {
        var result = new List<ElfVersionNeed>();
        foreach (var section in Sections(elf, ShtGnuVerneed))
        {
            var strings = StringTable(elf, section.Link);
            var entry = section.Offset;
            for (var i = 0; i < section.Info; i++)
            {
                var count = U16(elf, entry + 2);
                var file = ReadString(elf, strings, U32(elf, entry + 4));
                var aux = entry + U32(elf, entry + 8);
                for (var j = 0; j < count; j++)
                {
                    var flags = U16(elf, aux + 4);
                    var name = ReadString(elf, strings, U32(elf, aux + 8));
                    result.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                    var nextAux = U32(elf, aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                var next = U32(elf, entry + 12);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return result;
    }

    /// <summary>Every version name the file defines (for libstdc++: GLIBCXX_3.4, ..., CXXABI_1.3.x).</summary>
    public static IReadOnlySet<string> ReadDefinitions(ReadOnlySpan<byte> elf)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in Sections(elf, ShtGnuVerdef))
        {
            var strings = StringTable(elf, section.Link);
            var entry = section.Offset;
            for (var i = 0; i < section.Info; i++)
            {
                var count = U16(elf, entry + 6);
                var aux = entry + U32(elf, entry + 12);
                // The first Verdaux names the version itself; the others name its parents.
                if (count > 0)
                {
                    result.Add(ReadString(elf, strings, U32(elf, aux)));
                }

                var next = U32(elf, entry + 16);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return result;
    }

    /// <summary>
    /// Sets <see cref="WeakFlag"/> on the given needs (entries read from this same file) and changes nothing else.
    /// Returns how many flags changed (0 when they were all weak already).
    /// </summary>
    public static int MarkWeak(Span<byte> elf, IEnumerable<ElfVersionNeed> needs)
    {
        ArgumentNullException.ThrowIfNull(needs);
        var changed = 0;
        foreach (var need in needs)
        {
            var flags = U16(elf, need.FlagsOffset);
            if ((flags & WeakFlag) == 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(elf.Slice(Checked(elf, need.FlagsOffset, 2), 2), (ushort)(flags | WeakFlag));
                changed++;
            }
        }

        return changed;
    }

    private readonly record struct Section(long Offset, long Size, uint Link, uint Info);

    private static List<Section> Sections(ReadOnlySpan<byte> elf, uint type)
    {
        if (!IsElf64LittleEndian(elf))
        {
            throw new InvalidDataException("Not a 64-bit little-endian ELF file.");
        }

        var shoff = (long)U64(elf, 0x28);
        var shentsize = U16(elf, 0x3A);
        var shnum = U16(elf, 0x3C);
        var result = new List<Section>();
        for (var i = 0; i < shnum; i++)
        {
            var header = shoff + ((long)i * shentsize);
            if (U32(elf, header + 4) == type)
            {
                result.Add(new Section((long)U64(elf, header + 0x18), (long)U64(elf, header + 0x20), U32(elf, header + 0x28), U32(elf, header + 0x2C)));
            }
        }

        return result;
    }

    private static long StringTable(ReadOnlySpan<byte> elf, uint sectionIndex)
    {
        var shoff = (long)U64(elf, 0x28);
        var shentsize = U16(elf, 0x3A);
        if (sectionIndex >= U16(elf, 0x3C))
        {
            throw new InvalidDataException($"Version section links to section {sectionIndex}, which does not exist.");
        }

        return (long)U64(elf, shoff + (sectionIndex * shentsize) + 0x18);
    }

    private static string ReadString(ReadOnlySpan<byte> elf, long table, uint offset)
    {
        var start = Checked(elf, table + offset, 1);
        var end = elf[start..].IndexOf((byte)0);
        if (end < 0)
        {
            throw new InvalidDataException("Unterminated string in an ELF string table.");
        }

        return Encoding.ASCII.GetString(elf.Slice(start, end));
    }

    private static ushort U16(ReadOnlySpan<byte> elf, long offset) => BinaryPrimitives.ReadUInt16LittleEndian(elf.Slice(Checked(elf, offset, 2), 2));

    private static uint U32(ReadOnlySpan<byte> elf, long offset) => BinaryPrimitives.ReadUInt32LittleEndian(elf.Slice(Checked(elf, offset, 4), 4));

    private static ulong U64(ReadOnlySpan<byte> elf, long offset) => BinaryPrimitives.ReadUInt64LittleEndian(elf.Slice(Checked(elf, offset, 8), 8));

    private static int Checked(ReadOnlySpan<byte> elf, long offset, int length) =>
        offset >= 0 && offset + length <= elf.Length
            ? (int)offset
            : throw new InvalidDataException($"ELF structure points outside the file (offset {offset}, file length {elf.Length}).");
}
