using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>The project's real shelf CNN (random weights until model v1 is trained) in the store's frame path.</summary>
[Collection(VisionClusterCollection.Name)]
public sealed class ShelfCnnTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task ShelfCnn_JudgesGeneratedFrames_AndItsWrongShapeVariantIsRefused()
    {
        var cnn = ShelfModelOnnx.Write(ShelfModelWeights.Random(7));
        var applied = await fx.Installer.InstallAsync(ColourShelfModel.Manifest("cnn-random-v1", cnn), cnn, CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
        var shelf = await fx.NewShelfAsync("cnn-frames");
        var camera = ShelfCamera.FromSkus(shelf.Camera.Value, [.. Enumerable.Repeat($"sku-{shelf.Id}", ShelfVisionContract.Slots)]);
        var generator = new FrameGenerator(CameraDomain.ForStore(StoreClusterFixture.StoreId), 42, camera);
        var at = fx.Time.GetUtcNow().AddSeconds(-5);

        for (var i = 0; i < 4; i++)
        {
            var result = await fx.Store.SubmitFrameAsync(generator.Generate(i).ToCameraFrame(shelf.Camera.Value, at.AddSeconds(i)));
            Assert.True(result.IsAccepted, result.Message);
            Assert.Equal("cnn-random-v1", result.Estimate!.ModelVersion);
            Assert.Equal(ShelfVisionContract.Slots, result.Estimate.Slots.Count);
            Assert.All(result.Estimate.Slots, s => Assert.InRange(s.FillConfidence, 1f / ShelfVisionContract.FillClasses, 1f));
        }

        var wrong = ShelfModelOnnx.WriteWithWrongOutputShape(ShelfModelWeights.Random(8));
        var refused = await fx.Installer.InstallAsync(ColourShelfModel.Manifest("cnn-wrong-v2", wrong), wrong, CancellationToken.None);
        Assert.False(refused.Applied);
        Assert.Contains("'fill'", refused.Problem, StringComparison.Ordinal);
        var after = await fx.Store.SubmitFrameAsync(generator.Generate(4).ToCameraFrame(shelf.Camera.Value, at.AddSeconds(4)));
        Assert.Equal("cnn-random-v1", after.Estimate?.ModelVersion);
    }
}
