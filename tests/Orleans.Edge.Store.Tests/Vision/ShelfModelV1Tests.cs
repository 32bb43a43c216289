using Orleans.Edge.Domain;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>The trained shelf model v1 in the store, on generated lab frames (the domain it was trained on).</summary>
[Collection(VisionClusterCollection.Name)]
public sealed class ShelfModelV1Tests(StoreClusterFixture fx)
{
    [Fact]
    public async Task WrongSkuInAGeneratedFrame_RaisesMismatch_WithModelV1()
    {
        var applied = await fx.Installer.InstallAsync(ShelfModels.V1Manifest(), ShelfModels.V1Bytes(), CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
        var shelf = await fx.NewShelfAsync("v1-sku");
        var camera = ShelfCamera.FromSkus(shelf.Camera.Value, [.. Enumerable.Repeat($"sku-{shelf.Id}", ShelfVisionContract.Slots)]);
        var generator = new FrameGenerator(CameraDomain.Lab, 11, camera);
        // Same seed, same frames: the first frames with and without a wrong product, no arm in the way.
        var frames = Enumerable.Range(0, 400).Select(i => generator.Generate(i)).Where(f => !f.HasOccluder).ToList();
        var clean = frames.First(f => f.Slots.All(s => !s.WrongSku));
        var intruded = frames.Where(f => f.Slots.Count(s => s.WrongSku) >= 2).Take(2).ToList();
        Assert.Equal(2, intruded.Count);
        var at = fx.Time.GetUtcNow().AddSeconds(-5);

        var first = await fx.Store.SubmitFrameAsync(clean.ToCameraFrame(shelf.Camera.Value, at));
        Assert.Equal(ShelfModels.V1Version, first.Estimate?.ModelVersion);
        Assert.Equal(clean.Slots.Select(s => s.Fill), first.Estimate!.Slots.Select(s => s.Fill));
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);

        await fx.Store.SubmitFrameAsync(intruded[0].ToCameraFrame(shelf.Camera.Value, at.AddSeconds(1)));
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        await fx.Store.SubmitFrameAsync(intruded[1].ToCameraFrame(shelf.Camera.Value, at.AddSeconds(2)));
        var mismatch = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        Assert.Contains("camera sees design", mismatch.Message, StringComparison.Ordinal);
    }
}
