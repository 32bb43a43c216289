using Orleans.Edge.Domain;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>The trained shelf model v1 in the store, on generated lab frames (the domain it was trained on).</summary>
[Collection(VisionClusterCollection.Name)]
public sealed class ShelfModelV1Tests(StoreClusterFixture fx)
{
    [Fact]
    public async Task WrongSkuInOneSlot_RaisesMismatch_WithModelV1_WhenItsRecordedDesignAccuracyHereIsGood()
    {
        // The frames come from the lab's camera, so v1's lab figure is its accuracy in this store.
        var v1 = ShelfModels.V1Manifest();
        var metrics = new Dictionary<string, double>(v1.Metrics) { [$"design_accuracy/{StoreClusterFixture.StoreId}"] = v1.Metrics["design_accuracy/lab"] };
        // Own version names: the host keeps serving (with its manifest) a version it already has.
        var applied = await fx.Installer.InstallAsync(v1 with { Version = "shelf-v1-lab-camera", Metrics = metrics }, ShelfModels.V1Bytes(), CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
        var (shelf, frames) = await IntrudedShelf("v1-sku");

        var first = await fx.Store.SubmitFrameAsync(frames[0]);
        Assert.Equal("shelf-v1-lab-camera", first.Estimate?.ModelVersion);
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        await fx.Store.SubmitFrameAsync(frames[1]);
        var mismatch = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        Assert.Contains("camera sees design", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("in slot 2 ", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongSkuCalls_RaiseNoMismatch_FromAModelWhoseRecordedDesignAccuracyInStoresIsPoor()
    {
        // v1 as registered: no figure for this store, 17–52 % in the stores it was measured on.
        var applied = await fx.Installer.InstallAsync(ShelfModels.V1Manifest() with { Version = "shelf-v1-as-registered" }, ShelfModels.V1Bytes(), CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
        var (shelf, frames) = await IntrudedShelf("v1-untrusted");

        foreach (var frame in frames) Assert.True((await fx.Store.SubmitFrameAsync(frame)).IsAccepted);
        Assert.Empty((await shelf.OpenAlerts()).Where(a => a.Type == AlertType.Mismatch).Select(a => a.Message));
    }

    /// <summary>A full shelf whose slot 2 holds another product, and four lab frames of it a second apart.</summary>
    private async Task<(TestShelf Shelf, List<CameraFrame> Frames)> IntrudedShelf(string name)
    {
        var shelf = await fx.NewShelfAsync(name, capacity: ShelfVisionContract.Slots * ShelfCamera.DefaultDepth);
        var skus = Enumerable.Repeat($"sku-{shelf.Id}", ShelfVisionContract.Slots).ToArray();
        skus[2] = Enumerable.Range(0, 100).Select(k => $"other-{k}").First(o => ShelfVisionContract.DesignOf(o) != shelf.Design);
        var generator = new StockedFrameGenerator(CameraDomain.Lab, 11, ShelfCamera.FromSkus(shelf.Camera.Value, skus));
        var units = Enumerable.Repeat(ShelfCamera.DefaultDepth, ShelfVisionContract.Slots).ToArray();
        await shelf.Units(units.Sum());
        var at = fx.Time.GetUtcNow().AddSeconds(-5);
        var frames = new List<CameraFrame>();
        for (var i = 0; i < 4; i++)
        {
            var rgb = new byte[ShelfVisionContract.FrameBytes];
            generator.GenerateInto(i, units, rgb);
            frames.Add(new CameraFrame(shelf.Camera.Value, at.AddSeconds(i), ShelfVisionContract.Width, ShelfVisionContract.Height, rgb));
        }
        return (shelf, frames);
    }
}
