using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

[Collection(VisionClusterCollection.Name)]
public sealed class VisionFusionTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task WrongProductInASlot_RaisesMismatch_OnTheSecondFrame_AndTheRightProductClearsIt()
    {
        await fx.InstallAsync("vision-v1");
        var shelf = await fx.NewShelfAsync("vision-sku");
        await shelf.Units(10);
        Assert.True((await shelf.SeeAll(SlotFill.Full)).IsAccepted);
        Assert.Equal(10, (await shelf.State()).CameraUnits);

        var intruder = Enumerable.Range(0, ShelfVisionContract.Slots).Select(s => (s == 3 ? shelf.OtherDesign : shelf.Design, SlotFill.Full)).ToArray();
        await shelf.See(intruder);
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);   // one frame could be a shopper's arm
        await shelf.See(intruder);
        var mismatch = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        Assert.Contains($"design {shelf.OtherDesign} in slot 3", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains(await fx.UplinkEventsAsync(), e => e is AlertEvent a && a.Alert.AlertId == mismatch.AlertId);

        await shelf.SeeAll(SlotFill.Full);
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
    }

    [Fact]
    public async Task VisionDisagreeingWithWeight_RaisesMismatch_AndWeightWins()
    {
        await fx.InstallAsync("vision-v1");
        var shelf = await fx.NewShelfAsync("vision-gap");
        await shelf.Units(9);
        await shelf.SeeAll(SlotFill.Empty);
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        await shelf.Units(9);
        await shelf.SeeAll(SlotFill.Empty);
        var mismatch = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        Assert.Contains("camera says 0.0", mismatch.Message, StringComparison.Ordinal);
        var state = await shelf.State();
        Assert.Equal(9, state.Units!.Value, 0);
        Assert.Equal(0, state.CameraUnits);

        await shelf.SeeAll(SlotFill.Full);   // 10 units seen, 9 weighed: within tolerance
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
    }

    [Fact]
    public async Task SlotEstimates_BecomeUnits_AndAreReadableThroughTheSdk_WithoutAnythingGoingUp()
    {
        await fx.InstallAsync("vision-v1");
        var shelf = await fx.NewShelfAsync("vision-units");
        var uplinked = (await fx.UplinkEventsAsync()).Count;
        var half = Enumerable.Range(0, ShelfVisionContract.Slots).Select(s => (shelf.Design, s < 4 ? SlotFill.Full : SlotFill.Partial)).ToArray();

        var result = await shelf.See(half);

        Assert.True(result.IsAccepted, result.Message);
        Assert.Equal(7.5, (await shelf.State()).CameraUnits);   // 4 full + 4 half-full slots of a 10-unit shelf
        var byCamera = await fx.Store.GetCameraVisionAsync(shelf.Camera.Value);
        var byShelf = await fx.Store.GetShelfVisionAsync(shelf.Id);
        Assert.Equal("vision-v1", byCamera!.ModelVersion);
        Assert.Equal(half.Select(s => s.Item2), byShelf!.Slots.Select(s => s.Fill));
        Assert.Equal(byCamera.CapturedAt, byShelf.CapturedAt);
        Assert.Equal("vision-v1", await fx.Store.GetModelVersionAsync());
        // Frames stay in the store: a judged frame with no alert puts nothing on the uplink.
        Assert.Equal(uplinked, (await fx.UplinkEventsAsync()).Count);
    }
}
