using Orleans.Edge.Domain;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.EndToEnd.Tests;

[Collection(FleetCollection.Name)]
public sealed class FrameUplinkTests(FleetFixture fx)
{
    [Fact]
    public async Task JudgedFrames_PutNoFrameSizedEventOnAnyUplink_WhileAlertsStillGoUp()
    {
        var store = fx.Fleet.Stores[0];
        var applied = await store.Get<IModelInstaller>()!.InstallAsync(ShelfModels.V1Manifest(), ShelfModels.V1Bytes(), CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
        var shelf = new ShelfId("e2e-frames");
        var cell = new SensorId("e2e-frames-lc");
        var camera = new SensorId("e2e-frames-cam");
        const string Sku = "cola-330ml";
        await fx.Store1.ProvisionShelfAsync(new ShelfSetup(shelf, new PlanogramEntry(Sku, 100, 500, 10),
            [new SensorSpec(cell, shelf, SensorKind.LoadCell, 20_000), new SensorSpec(camera, shelf, SensorKind.Camera, 1)]));
        var frames = new StockedFrameGenerator(CameraDomain.ForStore(store.Id), 1,
            ShelfCamera.FromSkus(camera.ToString(), Enumerable.Repeat(Sku, ShelfVisionContract.Slots).ToArray()));
        var sentBefore = store.Uplink!.Status.PayloadBytesByKind.GetValueOrDefault("Alert");

        for (var i = 0; i < 10; i++)
        {
            var rgb = new byte[ShelfVisionContract.FrameBytes];
            frames.GenerateInto(i, [4, 4, 4, 4, 0, 0, 0, 0], rgb);
            var result = await fx.Store1.SubmitFrameAsync(new CameraFrame(camera.ToString(), DateTimeOffset.UtcNow, ShelfVisionContract.Width, ShelfVisionContract.Height, rgb));
            Assert.True(result.IsAccepted, result.Message);
            await Task.Delay(250);   // under the camera's frame rate, so none is throttled
        }
        await FleetFixture.Put(fx.Store1, cell, 0);   // out of stock: alerts go up the same link

        await Eventually.Get(() => Task.FromResult(store.Uplink.Status.PayloadBytesByKind.GetValueOrDefault("Alert")), b => b > sentBefore, "alert bytes on the store's uplink");
        foreach (var host in fx.Fleet.Stores.Concat(fx.Fleet.Regions))
        {
            Assert.Equal(0, host.Uplink!.Status.LargeEventBytes);
            Assert.True(host.Uplink.Status.LargestEventBytes < ShelfVisionContract.FrameBytes, $"{host.Id} sent an event of {host.Uplink.Status.LargestEventBytes} bytes");
        }
    }
}
