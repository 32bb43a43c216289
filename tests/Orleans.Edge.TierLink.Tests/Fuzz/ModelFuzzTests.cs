using CsCheck;
using Orleans.Edge.Domain;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests.Fuzz;

/// <summary>
/// Hostile model assignments and manifests as a child reads them off its downlink (SHA-256 strings,
/// sizes, versions, variants, shapes, scopes, times), and hostile hardware as a parent reads it off a
/// store's state: each is taken within range or refused with a <see cref="FormatException"/>.
/// </summary>
public sealed class ModelFuzzTests
{
    private const string GoodSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static readonly Gen<string> Sha = Gen.Frequency(
        (6, Gen.String[Gen.Char["0123456789abcdef"], 64, 64]),
        (1, Gen.String[Gen.Char["0123456789abcdefABCDEFg "], 0, 70]),
        (1, Gen.Const(GoodSha.ToUpperInvariant())),
        (1, Gen.Select(Gen.Int[0, 63], Gen.Char, (at, c) => string.Concat(GoodSha.AsSpan(0, at), c.ToString(), GoodSha.AsSpan(at + 1)))),
        (1, Hostile.Id));

    private static readonly Gen<string> Variant = Gen.Frequency((3, Gen.OneOf("fp32", "int8", "")), (1, Hostile.Id), (1, Gen.String[0, 40]));

    private static readonly Gen<int[]> Shape = Gen.Frequency(
        (3, Gen.Const(new[] { -1, ShelfVisionContract.Height, ShelfVisionContract.Width, 3 })),
        (1, Hostile.Int.Array[0, 10]));

    internal static readonly Gen<P.ModelManifest> Manifest =
        from text in Gen.Select(Gen.Frequency((3, Gen.OneOf("shelf-v1", "shelf-v2")), (1, Hostile.Id)), Sha, Variant)
        from size in Hostile.Long
        from shapes in Gen.Select(Shape, Shape, Shape)
        from metrics in Gen.Select(Gen.Frequency((3, Gen.OneOf("accuracy", "fill-accuracy")), (1, Gen.String[0, 300])), Hostile.Number).Array[0, 3]
        select ManifestOf(text, size, shapes, metrics);

    private static P.ModelManifest ManifestOf((string Version, string Sha, string Variant) text, long size, (int[] Input, int[] Fill, int[] Sku) shapes, (string, double)[] metrics)
    {
        var m = new P.ModelManifest { Version = text.Version, Sha256 = text.Sha, Variant = text.Variant, SizeBytes = size };
        m.InputShape.AddRange(shapes.Input);
        m.FillShape.AddRange(shapes.Fill);
        m.SkuShape.AddRange(shapes.Sku);
        foreach (var (k, v) in metrics) m.Metrics[k] = v;
        return m;
    }

    internal static readonly Gen<P.ModelAssignment> Assignment =
        from scope in Gen.Frequency(
            (3, Gen.OneOf((0, "", ""), (1, "eu", ""), (2, "eu", "s1"))),
            (2, Gen.Select(Gen.Int[-1, 5], Gen.Frequency((1, Gen.Const("")), (2, Hostile.Id)), Gen.Frequency((1, Gen.Const("")), (1, Hostile.Id)))))
        from numbers in Gen.Select(Gen.Frequency((3, Gen.Long[1, 1000]), (1, Hostile.Long)), LinkMessages.Instant)
        from manifest in Gen.Frequency((1, Gen.Const((P.ModelManifest?)null)), (6, Manifest.Select(m => (P.ModelManifest?)m)))
        from variants in Manifest.Array[0, 3]
        select AssignmentOf(scope, numbers, manifest, variants);

    private static P.ModelAssignment AssignmentOf((int Level, string Region, string Store) scope, (long Version, long At) numbers, P.ModelManifest? manifest, P.ModelManifest[] variants)
    {
        var a = new P.ModelAssignment
        {
            Level = (P.ScopeLevel)scope.Level, RegionId = scope.Region, StoreId = scope.Store, Version = numbers.Version,
            Manifest = manifest, ChangedAtUs = numbers.At,
        };
        // Variants of the same version most of the time, so the variant checks themselves are reached.
        foreach (var v in variants)
        {
            if (manifest is not null && v.Version.Length % 2 == 0) v.Version = manifest.Version;
            a.Variants.Add(v);
        }
        return a;
    }

    [Fact]
    public void HostileAssignments_AreTakenWithinRange_OrRefusedWithAFormatException()
    {
        var (accepted, refused) = (0, 0);
        Fuzzing.Check(Assignment, wire =>
        {
            if (LinkMessages.TakenOrRefused(() => ModelMapping.FromWire(wire)) is not { } a) { refused++; return; }
            accepted++;
            Assert.Empty(a.Scope.Problems());
            Assert.True(a.Scope.Level is ScopeLevel.Global or ScopeLevel.Region or ScopeLevel.Store);
            Assert.True(a.Version > 0);
            Assert.InRange(a.ChangedAt, WireRanges.Earliest, WireRanges.Latest);
            AssertWithinRange(a.Manifest);
            foreach (var v in a.Variants ?? [])
            {
                AssertWithinRange(v);
                Assert.Equal(a.Manifest.Version, v.Version);
            }
            // What a store installs from it is one of the manifests it carries.
            var (chosen, _) = a.ManifestFor("int8");
            Assert.Contains(chosen, (a.Variants ?? []).Append(a.Manifest));
        });
        Assert.True(accepted > 300 && refused > 1000, $"{accepted} accepted, {refused} refused");
    }

    [Fact]
    public void HostileManifests_AreTakenWithinRange_OrRefusedWithAFormatException()
    {
        Fuzzing.Check(Manifest, wire =>
        {
            if (LinkMessages.TakenOrRefused(() => ModelMapping.FromWire(wire)) is { } taken) AssertWithinRange(taken);
        });
    }

    [Fact]
    public void HostileHardware_IsTakenWithinRange_OrRefusedWithAFormatException()
    {
        Fuzzing.Check(LinkMessages.Hardware, wire =>
        {
            if (LinkMessages.TakenOrRefused(() => ModelMapping.FromWire(wire)) is { } taken) AssertWithinRange(taken);
        });
    }

    /// <summary>Found by seed 20261128 (iteration 14 of the manifests): any text was taken as a variant, which names files and metric labels.</summary>
    [Theory]
    [InlineData("*ZKp`1Lm}_Hk]8KD9NmK|Y~[")]
    [InlineData("FP32")]
    [InlineData("int8-with-a-very-long-name")]
    public void ManifestWithAMalformedVariant_IsRefused(string variant)
    {
        var wire = new P.ModelManifest { Version = "shelf-v1", Sha256 = GoodSha, SizeBytes = 10, Variant = variant };
        Assert.Contains($"variant '{variant}'", Assert.Throws<FormatException>(() => ModelMapping.FromWire(wire)).Message, StringComparison.Ordinal);
    }

    /// <summary>An assignment's change time outside 2000–2200 threw ArgumentOutOfRangeException (microseconds × 10 overflowed).</summary>
    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(-1)]
    public void AssignmentChangedOutsideTheWireRange_IsRefused(long changedAtUs)
    {
        var wire = new P.ModelAssignment
        {
            Level = P.ScopeLevel.Global, Version = 1, ChangedAtUs = changedAtUs,
            Manifest = new P.ModelManifest { Version = "shelf-v1", Sha256 = GoodSha, SizeBytes = 10, Variant = "fp32" },
        };
        Assert.Contains("change time", Assert.Throws<FormatException>(() => ModelMapping.FromWire(wire)).Message, StringComparison.Ordinal);
    }

    /// <summary>Found by seed 20261128 (iteration 14 of the upward events): a store's state carried -6,514,764,524 MiB of memory into the fleet view; NaN and negative rates too.</summary>
    [Theory]
    [InlineData(4, -6_514_764_524L, 2, 15.0, "memory")]
    [InlineData(-1, 1024L, 2, 15.0, "core count")]
    [InlineData(4, 1024L, -2, 15.0, "intra-op threads")]
    [InlineData(4, 1024L, 2, double.NaN, "frame rate")]
    [InlineData(4, 1024L, 2, -1.0, "frame rate")]
    public void HardwareOutOfRange_IsRefused(int cores, long memoryMb, int threads, double hz, string named)
    {
        var wire = new P.HardwareCapabilities { Cores = cores, MemoryMb = memoryMb, IntraOpThreads = threads, FrameHzPerCamera = hz, ModelVariant = "fp32" };
        Assert.Contains(named, Assert.Throws<FormatException>(() => ModelMapping.FromWire(wire)).Message, StringComparison.Ordinal);
    }

    internal static void AssertWithinRange(ModelManifest m)
    {
        Assert.Null(EdgeId.Problem(m.Version, "model version"));
        Assert.Null(ArtifactNames.Problem(m.Sha256));
        Assert.True(m.SizeBytes > 0);
        Assert.True(m.Variant.Length == 0 || EdgeId.Problem(m.Variant, "variant") is null && m.Variant.Length <= WireRanges.MaxVariantLength, $"variant '{m.Variant}'");
    }

    internal static void AssertWithinRange(HardwareCapabilities h)
    {
        Assert.True(h.Cores >= 0 && h.MemoryMb >= 0 && h.IntraOpThreads >= 0, $"{h.Cores} cores, {h.MemoryMb} MiB, {h.IntraOpThreads} threads");
        Assert.InRange(h.FrameHzPerCamera, 0, WireRanges.MaxFrameHz);
        Assert.True(h.ModelVariant.Length <= WireRanges.MaxVariantLength);
        Assert.All(h.Simd.Concat(h.ExecutionProviders), name => Assert.True(name.Length <= WireRanges.MaxNameLength));
    }
}
