using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

[Collection(VisionClusterCollection.Name)]
public sealed class HotSwapTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task WrongOutputShape_IsRefused_AndFramesAreStillJudgedByTheOldVersion()
    {
        await fx.InstallAsync("shape-keep-v1", "keep");
        var shelf = await fx.NewShelfAsync("swap-shape");
        var elevenDesigns = ColourShelfModel.Write(designs: 11);
        var result = await fx.Installer.InstallAsync(ColourShelfModel.Manifest("shape-bad-v2", elevenDesigns), elevenDesigns, CancellationToken.None);

        Assert.False(result.Applied);
        Assert.Equal("shape-bad-v2", result.Version);
        Assert.Contains("'sku'", result.Problem, StringComparison.Ordinal);
        Assert.Equal("shape-keep-v1", await fx.Store.GetModelVersionAsync());
        var status = await fx.Store.GetInferenceStatusAsync();
        Assert.Equal("shape-bad-v2", status.LastRefusedModel?.Version);
        var judged = await shelf.SeeAll(SlotFill.Full);
        Assert.True(judged.IsAccepted, judged.Message);
        Assert.Equal("shape-keep-v1", judged.Estimate!.ModelVersion);
    }

    [Fact]
    public async Task HotSwapUnderLoad_LosesNoFrame()
    {
        await fx.InstallAsync("load-v0", "load-0");
        var shelves = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fx.NewShelfAsync($"swap-load-{i}")));
        const int framesPerCamera = 40;
        var cameras = shelves.Select(async shelf =>
        {
            var results = new List<FrameResult>();
            // Each camera sends its frames in order, as a camera does; the cameras run side by side.
            for (var i = 0; i < framesPerCamera; i++) results.Add(await shelf.See(Slots(shelf, i)));
            return results;
        }).ToList();
        var all = Task.WhenAll(cameras);

        var installed = new List<string> { "load-v0" };
        for (var swap = 1; !all.IsCompleted || swap <= 3; swap++)
        {
            var version = $"load-v{swap}";
            await fx.InstallAsync(version, $"load-{swap}");
            installed.Add(version);
        }
        var results = (await all).SelectMany(r => r).ToList();

        Assert.Equal(shelves.Length * framesPerCamera, results.Count);
        Assert.All(results, r => Assert.True(r.IsAccepted, $"{r.Rejection}: {r.Message}"));
        Assert.All(results, r => Assert.Contains(r.Estimate!.ModelVersion, installed));
        Assert.True(results.Select(r => r.Estimate!.ModelVersion).Distinct().Count() > 1, "frames were judged by more than one version");
        // Every version judged correctly: the test model reads the painted slots back.
        Assert.All(results, r => Assert.Equal(Slots(shelves[0], 0).Select(s => s.Fill), r.Estimate!.Slots.Select(s => s.Fill)));
    }

    private static (int Design, SlotFill Fill)[] Slots(TestShelf shelf, int _) =>
        [.. Enumerable.Range(0, ShelfVisionContract.Slots).Select(s => (shelf.Design, (SlotFill)(s % 3)))];
}
