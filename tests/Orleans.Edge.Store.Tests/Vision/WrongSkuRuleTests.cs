using Orleans.Edge.Store.Shelves;
using Orleans.Edge.Vision;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Store.Tests.Vision;

public sealed class WrongSkuRuleTests
{
    private const string Sku = "sku-rule";
    private static readonly int Own = C.DesignOf(Sku);

    private static SlotEstimate[] Frame(params (int Slot, int Design, float Confidence)[] foreign) =>
        [.. Enumerable.Range(0, C.Slots).Select(s => foreign.FirstOrDefault(f => f.Slot == s) is { Confidence: > 0 } f
            ? new SlotEstimate(s, SlotFill.Full, 0.9f, f.Design, f.Confidence)
            : new SlotEstimate(s, SlotFill.Full, 0.9f, Own, 0.9f))];

    [Fact]
    public void SameForeignDesignInTheSameSlot_OnKFramesInARow_IsReported()
    {
        var tracker = new WrongSkuTracker();
        var other = (Own + 5) % C.SkuDesigns;
        Assert.Null(tracker.Observe(Frame((3, other, 0.95f)), Sku, 0.8, 3));
        Assert.Null(tracker.Observe(Frame((3, other, 0.95f)), Sku, 0.8, 3));
        Assert.True(tracker.SeenNow);
        var detail = tracker.Observe(Frame((3, other, 0.95f)), Sku, 0.8, 3);
        Assert.Contains($"design {other} in slot 3 ", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignCallsThatHopBetweenSlotsOrDesigns_OrAreUnsure_AreNotReported()
    {
        var tracker = new WrongSkuTracker();
        var a = (Own + 1) % C.SkuDesigns;
        var b = (Own + 2) % C.SkuDesigns;
        // What a misreading camera does: a foreign design every frame, never the same one in the same slot twice.
        Assert.Null(tracker.Observe(Frame((1, a, 0.95f)), Sku, 0.8, 2));
        Assert.Null(tracker.Observe(Frame((2, a, 0.95f)), Sku, 0.8, 2));
        Assert.Null(tracker.Observe(Frame((2, b, 0.95f)), Sku, 0.8, 2));
        Assert.Null(tracker.Observe(Frame((2, b, 0.5f)), Sku, 0.8, 2));
        Assert.False(tracker.SeenNow);
    }

    [Theory]
    [InlineData("eu-s1", 0.9, false)]    // v1 records 43.6 % for eu-s1
    [InlineData("lab", 0.9, true)]       // 99.3 % (a store named like the lab domain)
    [InlineData("elsewhere", 0.9, false)] // no figure here: the worst store it was measured in, 16.8 %
    [InlineData("eu-s1", 0.4, true)]
    public void DesignTrust_UsesTheModelsRecordedAccuracyForThisStore(string store, double minimum, bool trusted) =>
        Assert.Equal(trusted, DesignTrust.Trusted(ShelfModels.V1Manifest(), store, minimum));

    [Fact]
    public void DesignTrust_TrustsAModelWithNoRecordedDesignAccuracy() =>
        Assert.True(DesignTrust.Trusted(ModelManifest.ForShelfModel("fine-tuned-here", new byte[] { 1 }), "eu-s1", 0.9));
}
