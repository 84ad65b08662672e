using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using TradingDashboard.Trainer.Cnn;

namespace TradingDashboard.Tests.Models.Cnn;

[Collection(TorchCollection.Name)]
public sealed class CnnLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnn-loader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reads_the_version_needs_of_a_fixture()
    {
        var (elf, _) = ElfFixture.Build();
        var needs = ElfSymbolVersions.ReadNeeds(elf);
        Assert.Equal(
            [("libstdc++.so.6", "GLIBCXX_3.4.30"), ("libstdc++.so.6", "GLIBCXX_3.4.32"), ("libc.so.6", "GLIBC_2.34")],
            needs.Select(n => (n.File, n.Version)).ToArray());
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void Reads_the_version_definitions_of_a_fixture_and_of_the_system_libstdcxx()
    {
        var defined = ElfSymbolVersions.ReadDefinitions(ElfFixture.BuildDefinitions("libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30", "CXXABI_1.3"));
        Assert.Equal(new HashSet<string> { "libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30", "CXXABI_1.3" }, defined.ToHashSet());

        var system = TorchNativeLoader.FindSystemLibStdCxx();
        Assert.NotNull(system);
        var versions = ElfSymbolVersions.ReadDefinitions(File.ReadAllBytes(system));
        Assert.Contains("GLIBCXX_3.4", versions); // every libstdc++ since GCC 3.4 defines it
        Assert.Contains("CXXABI_1.3", versions);
    }

    [Fact]
    public void Patch_sets_exactly_the_weak_flag_of_the_missing_version_and_a_second_run_changes_nothing()
    {
        var (elf, flagsOffsets) = ElfFixture.Build();
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllBytes(path, elf);

        var report = TorchNativeLoader.PatchInPlaceIfNeeded(path, new HashSet<string> { "GLIBCXX_3.4.30", "GLIBC_2.34" }, nugetCacheRoot: Path.Combine(_dir, "nuget"));
        Assert.Equal(TorchPatchOutcome.PatchedInPlace, report.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], report.MissingVersions);

        // Expected: the original bytes with bit 0x2 set in the vna_flags of the GLIBCXX_3.4.32 entry (offset known from the fixture).
        var expected = (byte[])elf.Clone();
        expected[flagsOffsets["GLIBCXX_3.4.32"]] |= 0x2;
        var patched = File.ReadAllBytes(path);
        Assert.Equal(expected, patched);

        var again = TorchNativeLoader.PatchInPlaceIfNeeded(path, new HashSet<string> { "GLIBCXX_3.4.30", "GLIBC_2.34" }, nugetCacheRoot: Path.Combine(_dir, "nuget"));
        Assert.Equal(TorchPatchOutcome.AlreadyPatched, again.Outcome);
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_library_needing_no_patch_is_left_untouched()
    {
        var (elf, _) = ElfFixture.Build();
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllBytes(path, elf);
        var before = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, before.AddHours(-1));
        var stamp = File.GetLastWriteTimeUtc(path);

        var report = TorchNativeLoader.PatchInPlaceIfNeeded(path, new HashSet<string> { "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "GLIBC_2.34" }, nugetCacheRoot: Path.Combine(_dir, "nuget"));

        Assert.Equal(TorchPatchOutcome.NotNeeded, report.Outcome);
        Assert.Equal(elf, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void The_file_a_link_points_to_is_never_written_and_the_nuget_cache_is_refused()
    {
        var (elf, _) = ElfFixture.Build();
        var cache = Directory.CreateDirectory(Path.Combine(_dir, "nuget", "libtorchsharp", "runtimes")).FullName;
        var cached = Path.Combine(cache, "libLibTorchSharp.so");
        File.WriteAllBytes(cached, elf);
        var available = new HashSet<string> { "GLIBCXX_3.4.30", "GLIBC_2.34" };

        Assert.Throws<InvalidOperationException>(() => TorchNativeLoader.PatchInPlaceIfNeeded(cached, available, nugetCacheRoot: Path.Combine(_dir, "nuget")));
        Assert.Equal(elf, File.ReadAllBytes(cached));

        // A link beside the program pointing into the cache is refused too (its target is in the cache).
        var app = Directory.CreateDirectory(Path.Combine(_dir, "app")).FullName;
        var link = Path.Combine(app, "libLibTorchSharp.so");
        File.CreateSymbolicLink(link, cached);
        Assert.Throws<InvalidOperationException>(() => TorchNativeLoader.PatchInPlaceIfNeeded(link, available, nugetCacheRoot: Path.Combine(_dir, "nuget")));

        // A link to a file outside the cache: the link is replaced by a patched file, the target keeps its bytes.
        var other = Path.Combine(_dir, "elsewhere.so");
        File.WriteAllBytes(other, elf);
        File.Delete(link);
        File.CreateSymbolicLink(link, other);
        Assert.Equal(TorchPatchOutcome.PatchedInPlace, TorchNativeLoader.PatchInPlaceIfNeeded(link, available, nugetCacheRoot: Path.Combine(_dir, "nuget")).Outcome);
        Assert.Equal(elf, File.ReadAllBytes(other));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.NotEqual(elf, File.ReadAllBytes(link));
    }

    [Fact]
    public void Patching_a_copy_of_the_real_library_changes_one_byte_when_GLIBCXX_3_4_32_is_missing()
    {
        var real = TorchNativeLoader.FindLibrary();
        Assert.NotNull(real);
        var original = File.ReadAllBytes(real);
        var needs = ElfSymbolVersions.ReadNeeds(original);
        Assert.Contains(needs, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32");

        // A system that has every version the library needs except GLIBCXX_3.4.32 (Debian 12's libstdc++).
        var available = needs.Select(n => n.Version).Where(v => v != "GLIBCXX_3.4.32").ToHashSet();
        var copy = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllBytes(copy, original);
        // The copy may already be patched (the loader patches the file beside the tests); start from an unpatched one.
        var unpatched = (byte[])original.Clone();
        var target = needs.Single(n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32");
        BinaryPrimitives.WriteUInt16LittleEndian(unpatched.AsSpan((int)target.FlagsOffset), (ushort)(target.Flags & ~ElfSymbolVersions.WeakFlag));
        File.WriteAllBytes(copy, unpatched);

        var report = TorchNativeLoader.PatchInPlaceIfNeeded(copy, available, nugetCacheRoot: Path.Combine(_dir, "nuget"));
        Assert.Equal(TorchPatchOutcome.PatchedInPlace, report.Outcome);
        var patched = File.ReadAllBytes(copy);
        var differences = Enumerable.Range(0, patched.Length).Where(i => patched[i] != unpatched[i]).ToList();
        Assert.Equal([(int)target.FlagsOffset], differences);
        Assert.Equal(unpatched[target.FlagsOffset] | 0x2, patched[target.FlagsOffset]);
        Assert.True(ElfSymbolVersions.ReadNeeds(patched).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
    }

    [Fact]
    public async Task Torch_works_after_the_loader_and_a_second_call_returns_the_same_report()
    {
        var first = TorchNativeLoader.EnsureLoaded();
        Assert.NotEqual(TorchPatchOutcome.LibraryNotFound, first.Outcome);
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        using var b = torch.tensor(new float[] { 4, 5, 6 });
        using var dot = (a * b).sum();
        Assert.Equal(32f, dot.item<float>());

        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(TorchNativeLoader.EnsureLoaded)).ToArray();
        var reports = await Task.WhenAll(tasks);
        Assert.All(reports, r => Assert.Same(first, r));
    }

    /// <summary>Small ELF64 files with a .dynstr and a .gnu.version_r (or .gnu.version_d) section, laid out by hand.</summary>
    private static class ElfFixture
    {
        public static (byte[] Elf, Dictionary<string, int> FlagsOffsets) Build()
        {
            var strings = new StringTable();
            var libstdcxx = strings.Add("libstdc++.so.6");
            var v30 = strings.Add("GLIBCXX_3.4.30");
            var v32 = strings.Add("GLIBCXX_3.4.32");
            var libc = strings.Add("libc.so.6");
            var g234 = strings.Add("GLIBC_2.34");
            var dynstr = strings.Bytes();

            // Verneed (16 bytes) + Vernaux (16 bytes each): [libstdc++: 3.4.30, 3.4.32] [libc: 2.34].
            var verneed = new byte[16 + 32 + 16 + 16];
            Verneed(verneed, 0, count: 2, file: libstdcxx, aux: 16, next: 48);
            Vernaux(verneed, 16, v30, flags: 0, other: 5, next: 16);
            Vernaux(verneed, 32, v32, flags: 0, other: 6, next: 0);
            Verneed(verneed, 48, count: 1, file: libc, aux: 16, next: 0);
            Vernaux(verneed, 64, g234, flags: 0, other: 7, next: 0);

            var elf = Assemble(dynstr, verneed, 0x6ffffffe, entries: 2, out var versionOffset);
            var offsets = new Dictionary<string, int>
            {
                ["GLIBCXX_3.4.30"] = versionOffset + 16 + 4,
                ["GLIBCXX_3.4.32"] = versionOffset + 32 + 4,
                ["GLIBC_2.34"] = versionOffset + 64 + 4,
            };
            return (elf, offsets);
        }

        public static byte[] BuildDefinitions(params string[] names)
        {
            var strings = new StringTable();
            var offsets = names.Select(strings.Add).ToArray();
            var verdef = new byte[names.Length * 28];
            for (var i = 0; i < names.Length; i++)
            {
                var o = i * 28;
                BinaryPrimitives.WriteUInt16LittleEndian(verdef.AsSpan(o), 1); // vd_version
                BinaryPrimitives.WriteUInt16LittleEndian(verdef.AsSpan(o + 4), (ushort)(i + 1)); // vd_ndx
                BinaryPrimitives.WriteUInt16LittleEndian(verdef.AsSpan(o + 6), 1); // vd_cnt
                BinaryPrimitives.WriteUInt32LittleEndian(verdef.AsSpan(o + 12), 20); // vd_aux
                BinaryPrimitives.WriteUInt32LittleEndian(verdef.AsSpan(o + 16), i == names.Length - 1 ? 0u : 28u); // vd_next
                BinaryPrimitives.WriteUInt32LittleEndian(verdef.AsSpan(o + 20), (uint)offsets[i]); // vda_name
            }

            return Assemble(strings.Bytes(), verdef, 0x6ffffffd, names.Length, out _);
        }

        private static byte[] Assemble(byte[] dynstr, byte[] versions, uint versionType, int entries, out int versionOffset)
        {
            const int header = 64;
            var dynstrOffset = header;
            versionOffset = Align(dynstrOffset + dynstr.Length, 8);
            var shoff = Align(versionOffset + versions.Length, 8);
            var elf = new byte[shoff + (3 * 64)];
            elf[0] = 0x7f;
            elf[1] = (byte)'E';
            elf[2] = (byte)'L';
            elf[3] = (byte)'F';
            elf[4] = 2; // 64-bit
            elf[5] = 1; // little-endian
            elf[6] = 1; // version
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x10), 3); // ET_DYN
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x12), 62); // x86-64
            BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)shoff);
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3A), 64);
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), 3);
            dynstr.CopyTo(elf, dynstrOffset);
            versions.CopyTo(elf, versionOffset);
            SectionHeader(elf, shoff + 64, type: 3, offset: dynstrOffset, size: dynstr.Length, link: 0, info: 0);
            SectionHeader(elf, shoff + 128, type: versionType, offset: versionOffset, size: versions.Length, link: 1, info: (uint)entries);
            return elf;
        }

        private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

        private static void SectionHeader(byte[] elf, int at, uint type, int offset, int size, uint link, uint info)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 4), type);
            BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 0x18), (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 0x20), (ulong)size);
            BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 0x28), link);
            BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 0x2C), info);
        }

        private static void Verneed(byte[] b, int at, ushort count, int file, uint aux, uint next)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 2), count);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 4), (uint)file);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 8), aux);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 12), next);
        }

        private static void Vernaux(byte[] b, int at, int name, ushort flags, ushort other, uint next)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), 0x0affffff); // hash (not read)
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 4), flags);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 6), other);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 8), (uint)name);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 12), next);
        }

        private sealed class StringTable
        {
            private readonly List<byte> _bytes = [0];

            public int Add(string value)
            {
                var offset = _bytes.Count;
                _bytes.AddRange(Encoding.ASCII.GetBytes(value));
                _bytes.Add(0);
                return offset;
            }

            public byte[] Bytes() => [.. _bytes];
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TorchCollection
{
    /// <summary>Torch's random generator and thread count are process-wide: torch tests run one at a time.</summary>
    public const string Name = "Torch";
}
