using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace TradingDashboard.Trainer.Cnn;

public enum TorchPatchOutcome
{
    /// <summary>The system libstdc++ provides every version the library needs: nothing was touched.</summary>
    NotNeeded,

    /// <summary>The missing version needs were already weak (patched by an earlier run).</summary>
    AlreadyPatched,

    /// <summary>The copy beside the program was replaced by a patched copy (written beside it, then renamed over it).</summary>
    PatchedInPlace,

    /// <summary>The folder was read-only or inside the NuGet cache: a patched copy in a temp folder was loaded instead.</summary>
    PatchedCopyLoaded,

    /// <summary>No libLibTorchSharp.so beside the program (TorchSharp then reports its own error).</summary>
    LibraryNotFound,

    /// <summary>Not Linux x64: the fix does not apply.</summary>
    NotApplicable,
}

/// <summary>What <see cref="TorchNativeLoader"/> found and did.</summary>
public sealed record TorchNativeReport(TorchPatchOutcome Outcome, string? LibraryPath, string? SystemLibStdCxx, IReadOnlyList<string> MissingVersions, string Message);

/// <summary>
/// Makes TorchSharp's native library loadable on distributions whose libstdc++ is older than the one libtorch was built
/// with (Debian 12: libLibTorchSharp.so asks for GLIBCXX_3.4.32, the system stops at 3.4.30; the one symbol of that
/// version is never called). Before the first torch call it compares the library's libstdc++ version needs with what the
/// system libstdc++ defines and, only when some are missing, marks those needs weak (VER_FLG_WEAK in .gnu.version_r) so
/// the dynamic loader accepts the library. The patched bytes go to a new file that is renamed over the copy beside the
/// program, so the original inode (possibly a hard link into the NuGet cache) is never written; a folder inside the NuGet
/// cache or a read-only folder gets a patched copy in a temp folder, loaded explicitly. Idempotent and thread-safe.
/// </summary>
public static class TorchNativeLoader
{
    public const string LibraryFileName = "libLibTorchSharp.so";

    // Loading a native library is process-wide, so the result is too: computed once under the lock.
    private static readonly Lock Gate = new();
    private static TorchNativeReport? _report;
    private static IntPtr _patchedCopyHandle;

    /// <summary>Applies the fix when needed and initializes TorchSharp's CPU backend. Safe to call from any thread, any number of times.</summary>
    public static TorchNativeReport EnsureLoaded()
    {
        lock (Gate)
        {
            if (_report is not null)
            {
                return _report;
            }

            var report = Prepare();
            torch.InitializeDeviceType(DeviceType.CPU);
            _report = report;
            return report;
        }
    }

    /// <summary>Where the library TorchSharp will load sits: beside the program or under runtimes/linux-x64/native.</summary>
    public static string? FindLibrary()
    {
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory }.Distinct();
        foreach (var root in roots)
        {
            foreach (var candidate in new[] { Path.Combine(root, LibraryFileName), Path.Combine(root, "runtimes", "linux-x64", "native", LibraryFileName) })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The libstdc++ the dynamic loader will use: the one already mapped into this process, else the first in the usual folders.</summary>
    public static string? FindSystemLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && Path.GetFileName(line[slash..]).StartsWith("libstdc++.so.6", StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
            // No /proc: fall back to the usual folders.
        }
        catch (UnauthorizedAccessException)
        {
        }

        var folders = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]);
        return folders.Select(f => Path.Combine(f, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    /// <summary>The libstdc++ version needs of <paramref name="elf"/> that <paramref name="available"/> lacks (weak ones included, so a patched file still lists them).</summary>
    public static IReadOnlyList<ElfVersionNeed> MissingLibStdCxxNeeds(ReadOnlySpan<byte> elf, IReadOnlySet<string> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        return ElfSymbolVersions.ReadNeeds(elf)
            .Where(n => n.File.StartsWith("libstdc++", StringComparison.Ordinal) && !available.Contains(n.Version))
            .ToList();
    }

    /// <summary>
    /// Patches <paramref name="libraryPath"/> when it needs libstdc++ versions that <paramref name="available"/> lacks: the
    /// patched bytes are written to a new file in the same folder and renamed over it. Refuses (throws
    /// <see cref="InvalidOperationException"/>) a file inside <paramref name="nugetCacheRoot"/>.
    /// </summary>
    public static TorchNativeReport PatchInPlaceIfNeeded(string libraryPath, IReadOnlySet<string> available, string? nugetCacheRoot = null)
    {
        ArgumentNullException.ThrowIfNull(libraryPath);
        var full = Path.GetFullPath(libraryPath);
        var bytes = File.ReadAllBytes(full);
        var missing = MissingLibStdCxxNeeds(bytes, available);
        var names = missing.Select(m => m.Version).ToList();
        if (missing.Count == 0)
        {
            return new(TorchPatchOutcome.NotNeeded, full, null, names, "The system libstdc++ provides every version the library needs.");
        }

        if (missing.All(m => m.IsWeak))
        {
            return new(TorchPatchOutcome.AlreadyPatched, full, null, names, $"Already patched: {string.Join(", ", names)} weak.");
        }

        nugetCacheRoot ??= NuGetCacheRoot();
        if (IsUnder(full, nugetCacheRoot) || IsUnder(ResolveLinks(full), nugetCacheRoot))
        {
            throw new InvalidOperationException($"Refusing to patch {full}: it is inside the NuGet package cache ({nugetCacheRoot}).");
        }

        ElfSymbolVersions.MarkWeak(bytes, missing);
        var temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        return new(TorchPatchOutcome.PatchedInPlace, full, null, names, $"Marked {string.Join(", ", names)} weak in {full}.");
    }

    private static TorchNativeReport Prepare()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return new(TorchPatchOutcome.NotApplicable, null, null, [], "Not Linux x64: no loader fix applies.");
        }

        var library = FindLibrary();
        if (library is null)
        {
            return new(TorchPatchOutcome.LibraryNotFound, null, null, [], $"{LibraryFileName} not found beside the program.");
        }

        var stdcxx = FindSystemLibStdCxx();
        if (stdcxx is null)
        {
            return new(TorchPatchOutcome.NotNeeded, library, null, [], "No system libstdc++ found to compare with; left as is.");
        }

        var available = ElfSymbolVersions.ReadDefinitions(File.ReadAllBytes(stdcxx));
        try
        {
            return PatchInPlaceIfNeeded(library, available) with { SystemLibStdCxx = stdcxx };
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or InvalidOperationException)
        {
            return LoadPatchedCopy(library, stdcxx, available, ex);
        }
    }

    /// <summary>The folder beside the program cannot be written: patch a copy in a temp folder and point TorchSharp's P/Invokes at it.</summary>
    private static TorchNativeReport LoadPatchedCopy(string library, string stdcxx, IReadOnlySet<string> available, Exception why)
    {
        var bytes = File.ReadAllBytes(library);
        var missing = MissingLibStdCxxNeeds(bytes, available);
        ElfSymbolVersions.MarkWeak(bytes, missing);
        var folder = Path.Combine(Path.GetTempPath(), "tradingdashboard-torch", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16]);
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, LibraryFileName);
        if (!File.Exists(copy) || new FileInfo(copy).Length != bytes.Length)
        {
            var temp = copy + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, copy, overwrite: true);
        }

        // The copy's own dependencies (libtorch, libc10, ...) stay beside the original: load them first so the loader
        // finds them by soname.
        var originalFolder = Path.GetDirectoryName(library)!;
        foreach (var dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var path = Path.Combine(originalFolder, dependency);
            if (File.Exists(path))
            {
                NativeLibrary.Load(path);
            }
        }

        _patchedCopyHandle = NativeLibrary.Load(copy);
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
        var names = missing.Select(m => m.Version).ToList();
        return new(TorchPatchOutcome.PatchedCopyLoaded, copy, stdcxx, names, $"Could not patch {library} ({why.Message}); loaded a patched copy {copy}.");
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or LibraryFileName ? _patchedCopyHandle : IntPtr.Zero;

    private static string NuGetCacheRoot() =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));

    private static string ResolveLinks(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static bool IsUnder(string path, string root)
    {
        var relative = Path.GetRelativePath(root, path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }
}
