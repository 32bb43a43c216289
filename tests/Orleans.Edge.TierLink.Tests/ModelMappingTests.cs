using Google.Protobuf;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Tests;

public sealed class ModelMappingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static ModelManifest Manifest(string version = "shelf-v2") => new(version, new string('c', 64), 4_200_000, "int8",
        [-1, 3, 64, 96], [-1, 8, 3], [-1, 8, 4], new Dictionary<string, double> { ["lab"] = 0.91 });

    [Fact]
    public void Assignment_SurvivesTheRoundTrip()
    {
        var assignment = new ModelAssignment(PolicyScope.ForStore("r1", "r1-s2"), 9, Manifest(), T0);
        var back = ModelMapping.FromWire(P.ModelAssignment.Parser.ParseFrom(ModelMapping.ToWire(assignment).ToByteArray()));

        Assert.Equal((assignment.Scope, assignment.Version, assignment.ChangedAt), (back.Scope, back.Version, back.ChangedAt));
        Assert.Equal((Manifest().Version, Manifest().Sha256, Manifest().SizeBytes, Manifest().Variant),
            (back.Manifest.Version, back.Manifest.Sha256, back.Manifest.SizeBytes, back.Manifest.Variant));
        Assert.Equal(Manifest().InputShape, back.Manifest.InputShape);
        Assert.Equal(Manifest().SkuShape, back.Manifest.SkuShape);
        Assert.Equal(0.91, back.Manifest.Metrics["lab"]);
    }

    [Fact]
    public void AssignmentWithVariants_SurvivesTheRoundTrip_AndOneWithoutThemMeansItsManifest()
    {
        var fp32 = Manifest() with { Variant = "fp32", Sha256 = new string('a', 64) };
        var int8 = Manifest() with { Variant = "int8", Sha256 = new string('b', 64) };
        var assignment = new ModelAssignment(PolicyScope.Global, 3, fp32, T0, [fp32, int8]);
        var back = ModelMapping.FromWire(P.ModelAssignment.Parser.ParseFrom(ModelMapping.ToWire(assignment).ToByteArray()));
        Assert.Equal(["fp32", "int8"], back.Variants!.Select(v => v.Variant));
        Assert.Equal((int8.Sha256, false), (back.ManifestFor("int8").Manifest.Sha256, back.ManifestFor("int8").FellBack));
        Assert.Equal((fp32.Sha256, true), (back.ManifestFor("fp16").Manifest.Sha256, back.ManifestFor("fp16").FellBack));

        // An assignment from before variants (no field 7 on the wire): its one manifest, whatever the store serves.
        var old = ModelMapping.FromWire(ModelMapping.ToWire(new ModelAssignment(PolicyScope.Global, 4, fp32, T0)));
        Assert.Null(old.Variants);
        Assert.Equal((fp32.Sha256, false), (old.ManifestFor(null).Manifest.Sha256, old.ManifestFor(null).FellBack));
        Assert.Equal((fp32.Sha256, true), (old.ManifestFor("int8").Manifest.Sha256, old.ManifestFor("int8").FellBack));

        var mixed = ModelMapping.ToWire(assignment);
        mixed.Variants[1].Version = "shelf-v9";
        Assert.Throws<FormatException>(() => ModelMapping.FromWire(mixed));
    }

    [Theory]
    [InlineData(P.ScopeLevel.Shelf, "r1", "r1-s2", 9, "c")]          // a store runs one model
    [InlineData(P.ScopeLevel.Store, "r1", "", 9, "c")]               // a store scope names its store
    [InlineData(P.ScopeLevel.Global, "", "", 0, "c")]                // versions start at 1
    [InlineData(P.ScopeLevel.Global, "", "", 9, "NOT-HEX")]          // artifacts are named by their hash
    public void InvalidAssignment_IsRefused(P.ScopeLevel level, string region, string store, long version, string shaChar)
    {
        var wire = ModelMapping.ToWire(new ModelAssignment(PolicyScope.Global, 1, Manifest(), T0));
        (wire.Level, wire.RegionId, wire.StoreId, wire.Version) = (level, region, store, version);
        wire.Manifest.Sha256 = shaChar.Length == 1 ? new string(shaChar[0], 64) : shaChar;
        Assert.Throws<FormatException>(() => ModelMapping.FromWire(wire));
    }

    [Fact]
    public void StoreState_CarriesModelVersionsAndHardware()
    {
        var hardware = new HardwareCapabilities(2, 3906, ["avx2"], ["CPUExecutionProvider"], "fp32", 1, 5, false);
        var state = new StoreStateEvent(new StoreId("r1-s1"), new RegionId("r1"), 12, 3, T0, 0, null, "shelf-v1", "shelf-v2", "SHA-256 mismatch", hardware);
        var back = Assert.IsType<StoreStateEvent>(LinkMapping.FromWire(LinkMapping.ToWire(4, state, "r1-s1"), "r1-s1"));

        Assert.Equal(("shelf-v1", "shelf-v2", "SHA-256 mismatch"), (back.AppliedModelVersion, back.RejectedModelVersion, back.ModelRejection));
        Assert.Equal((hardware.Cores, hardware.MemoryMb, hardware.ModelVariant), (back.Hardware!.Cores, back.Hardware.MemoryMb, back.Hardware.ModelVariant));
        Assert.Equal(hardware.Simd, back.Hardware.Simd);
        var none = Assert.IsType<StoreStateEvent>(LinkMapping.FromWire(LinkMapping.ToWire(5, state with { AppliedModelVersion = null, Hardware = null }, "r1-s1"), "r1-s1"));
        Assert.Null(none.AppliedModelVersion);
        Assert.Null(none.Hardware);
    }

    [Fact]
    public void AssignmentBook_KeepsTheNewestPerScope_ResolvesTheMostSpecific_AndIgnoresARepeat()
    {
        var book = new ModelAssignmentBook();
        Assert.True(book.Apply(new ModelAssignment(PolicyScope.Global, 1, Manifest("a"), T0)));
        Assert.True(book.Apply(new ModelAssignment(PolicyScope.ForRegion("r1"), 2, Manifest("b"), T0)));
        Assert.False(book.Apply(new ModelAssignment(PolicyScope.ForRegion("r1"), 2, Manifest("b"), T0)));
        Assert.True(book.Apply(new ModelAssignment(PolicyScope.ForStore("r2", "r2-s1"), 3, Manifest("c"), T0)));

        Assert.Equal("b", book.Resolve("r1", "r1-s1")!.Manifest.Version);
        Assert.Equal("c", book.Resolve("r2", "r2-s1")!.Manifest.Version);
        Assert.Equal("a", book.Resolve("r2", "r2-s2")!.Manifest.Version);
        Assert.Equal([2L], book.NewerFor(1, "r1", null).Select(a => a.Version));
        Assert.Equal(3, book.MaxVersion);
    }
}
