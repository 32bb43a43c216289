using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Orleans.Edge.ModelLab;

/// <summary>
/// Makes TorchSharp 0.107's native glue load on Debian 12. <c>libLibTorchSharp.so</c> was linked
/// with GCC 13 and names version <c>GLIBCXX_3.4.32</c> of libstdc++ for a single symbol,
/// <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; only declares (no relocation
/// uses it, nothing calls it). Debian 12's libstdc++ (GCC 12) stops at 3.4.30, so the loader refuses
/// the library. This marks that one version requirement weak (ELF <c>VER_FLG_WEAK</c>) in the copy
/// in this program's own output folder, never in the NuGet cache; where libstdc++ has the version
/// the flag changes nothing. Idempotent; runs before the first call into torch.
/// </summary>
internal static class LibTorchSharpCompat
{
    private const string Version = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Patches the output copy if needed; returns what it did, for the log.</summary>
    public static string EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return "not linux-x64: nothing to do";
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(path)) return $"{path} not found: TorchSharp will report what it misses";
        var elf = File.ReadAllBytes(path);
        var offset = FindVernauxFlags(elf, Version);
        if (offset < 0) return $"{Path.GetFileName(path)} needs no {Version}";
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(offset));
        if ((flags & VerFlagWeak) != 0) return $"{Path.GetFileName(path)}: {Version} already weak";
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(offset), (ushort)(flags | VerFlagWeak));
        File.WriteAllBytes(path, elf);
        return $"{Path.GetFileName(path)}: marked its {Version} requirement weak (Debian 12 libstdc++ stops at 3.4.30)";
    }

    /// <summary>File offset of the flags of the Vernaux entry naming <paramref name="version"/>, or -1.</summary>
    private static int FindVernauxFlags(byte[] elf, string version)
    {
        var e = elf.AsSpan();
        if (e.Length < 64 || e[0] != 0x7f || e[1] != (byte)'E' || e[4] != 2 || e[5] != 1) return -1; // ELF64 little-endian only
        var sectionTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(e[0x28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(e[0x3A..]), count = BinaryPrimitives.ReadUInt16LittleEndian(e[0x3C..]);
        for (var i = 0; i < count; i++)
        {
            var sh = e[(sectionTable + (i * entrySize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            var start = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var needed = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info: Verneed entries
            var strings = e[(sectionTable + ((int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]) * entrySize))..];
            var strtab = (int)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            var need = start;
            for (var n = 0; n < needed; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(e[(need + 2)..]);
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(e[(need + 8)..]);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = strtab + (int)BinaryPrimitives.ReadUInt32LittleEndian(e[(aux + 8)..]);
                    var end = e[name..].IndexOf((byte)0);
                    if (Encoding.ASCII.GetString(e.Slice(name, end)) == version) return aux + 4;
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(e[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(e[(need + 12)..]);
            }
        }
        return -1;
    }
}
