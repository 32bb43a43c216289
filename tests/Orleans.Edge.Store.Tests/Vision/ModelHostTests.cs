using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

public sealed class ModelHostTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public async Task InstalledModel_JudgesEachSlot_AsItsColourSays()
    {
        await using var services = new InferenceServices();
        var onnx = ColourShelfModel.Write();
        var applied = await services.Host.InstallAsync(ColourShelfModel.Manifest("colour-v1", onnx), onnx, CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);

        var frame = ColourShelfModel.Frame("cam", T0, (0, SlotFill.Empty), (1, SlotFill.Partial), (2, SlotFill.Full), (5, SlotFill.Full),
            (7, SlotFill.Partial), (9, SlotFill.Empty), (11, SlotFill.Full), (3, SlotFill.Partial));
        var result = await services.Batcher.JudgeAsync(frame);

        var estimate = Assert.IsType<VisionEstimate>(result.Estimate);
        Assert.Equal("colour-v1", estimate.ModelVersion);
        Assert.Equal([SlotFill.Empty, SlotFill.Partial, SlotFill.Full, SlotFill.Full, SlotFill.Partial, SlotFill.Empty, SlotFill.Full, SlotFill.Partial],
            estimate.Slots.Select(s => s.Fill));
        Assert.Equal([0, 1, 2, 5, 7, 9, 11, 3], estimate.Slots.Select(s => s.Design));
        Assert.All(estimate.Slots, s => Assert.True(s.FillConfidence > 0.95 && s.DesignConfidence > 0.95, $"slot {s.Slot}: {s}"));
    }

    [Fact]
    public async Task SwappedOutSession_FinishesItsRun_AndIsDisposedOnlyWhenTheLastRunEnds()
    {
        await using var services = new InferenceServices();
        var v1 = ColourShelfModel.Write("1");
        var v2 = ColourShelfModel.Write("2");
        Assert.True((await services.Host.InstallAsync(ColourShelfModel.Manifest("swap-v1", v1), v1, CancellationToken.None)).Applied);

        var running = services.Host.Acquire()!;   // a batch that started on v1
        Assert.True((await services.Host.InstallAsync(ColourShelfModel.Manifest("swap-v2", v2), v2, CancellationToken.None)).Applied);
        Assert.Equal("swap-v2", services.Host.CurrentVersion);

        Assert.False(running.IsDisposed);
        var output = running.Run(new float[FrameTensor.Length], 1);   // still runs on v1
        Assert.Null(output.ShapeProblem(1));
        running.Release();
        Assert.True(running.IsDisposed);
        Assert.Equal("swap-v2", services.Host.Acquire() is { } now ? Release(now) : null);
    }

    [Fact]
    public async Task WrongOutputShape_BadHash_AndUnloadableBytes_AreRefused_AndTheServingModelStays()
    {
        await using var services = new InferenceServices();
        var good = ColourShelfModel.Write();
        Assert.True((await services.Host.InstallAsync(ColourShelfModel.Manifest("keep-v1", good), good, CancellationToken.None)).Applied);

        var elevenDesigns = ColourShelfModel.Write(designs: 11);
        var shape = await services.Host.InstallAsync(ColourShelfModel.Manifest("shape-v2", elevenDesigns), elevenDesigns, CancellationToken.None);
        Assert.False(shape.Applied);
        Assert.Contains("'sku'", shape.Problem, StringComparison.Ordinal);

        var other = ColourShelfModel.Write("other");
        var badHash = await services.Host.InstallAsync(ColourShelfModel.Manifest("hash-v3", good) with { SizeBytes = other.Length }, other, CancellationToken.None);
        Assert.False(badHash.Applied);
        Assert.Contains("SHA-256", badHash.Problem, StringComparison.Ordinal);

        byte[] garbage = [.. Enumerable.Range(0, 512).Select(i => (byte)(i * 7))];
        var unloadable = await services.Host.InstallAsync(ColourShelfModel.Manifest("junk-v4", garbage), garbage, CancellationToken.None);
        Assert.False(unloadable.Applied);
        Assert.Contains("could not load", unloadable.Problem, StringComparison.Ordinal);

        Assert.Equal("keep-v1", services.Host.CurrentVersion);
        var judged = await services.Batcher.JudgeAsync(ColourShelfModel.Uniform("cam", T0, 4, SlotFill.Full));
        Assert.Equal("keep-v1", judged.Estimate!.ModelVersion);
    }

    private static string Release(Inference.ModelSession session)
    {
        session.Release();
        return session.Version;
    }
}
