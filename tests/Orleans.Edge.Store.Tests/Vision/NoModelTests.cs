using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>In the store cluster that never gets a model.</summary>
[Collection(StoreClusterCollection.Name)]
public sealed class NoModelTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task Frame_IsRefusedAsNoModel_BeforeAnyModelIsInstalled()
    {
        var shelf = await fx.NewShelfAsync("frames-no-model");
        Assert.Null(await fx.Store.GetModelVersionAsync());
        var result = await shelf.SeeAll(SlotFill.Full);
        Assert.Equal(FrameRejection.NoModel, result.Rejection);
        Assert.Null((await shelf.State()).CameraUnits);
        Assert.Null(await fx.Store.GetCameraVisionAsync(shelf.Camera.Value));
    }
}
