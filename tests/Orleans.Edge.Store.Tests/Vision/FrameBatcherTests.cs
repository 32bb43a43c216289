using Microsoft.Extensions.Time.Testing;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

public sealed class FrameBatcherTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public async Task LoneFrame_IsJudged_WithoutWaitingForTheBatchWindow()
    {
        // The window is an hour on a clock that never moves: a lone frame that waited for it would never be judged.
        var clock = new FakeTimeProvider(T0);
        await using var services = new InferenceServices(o => o.BatchWindow = TimeSpan.FromHours(1), clock);
        await InstallAsync(services);

        var judged = services.Batcher.JudgeAsync(ColourShelfModel.Uniform("cam", T0, 5, SlotFill.Partial));
        var result = await judged.WaitAsync(TimeSpan.FromSeconds(30));

        var estimate = Assert.IsType<VisionEstimate>(result.Estimate);
        Assert.All(estimate.Slots, s => Assert.Equal((5, SlotFill.Partial), (s.Design, s.Fill)));
        Assert.Equal(T0, clock.GetUtcNow());
    }

    [Fact]
    public async Task ConcurrentFrames_FromManyCameras_EachGetTheirOwnEstimate_NoneLost()
    {
        await using var services = new InferenceServices(o => o.MaxBatch = 4);
        await InstallAsync(services);
        var fills = new[] { SlotFill.Empty, SlotFill.Partial, SlotFill.Full };

        // Many callers at once: some find the model idle and run alone, the rest queue and are batched.
        var frames = Enumerable.Range(0, 96).Select(i => ColourShelfModel.Uniform($"cam-{i % 8}", T0.AddSeconds(i), i % 12, fills[i % 3])).ToList();
        var results = await Task.WhenAll(frames.Select(f => Task.Run(() => services.Batcher.JudgeAsync(f))));

        for (var i = 0; i < frames.Count; i++)
        {
            var estimate = Assert.IsType<VisionEstimate>(results[i].Estimate);
            Assert.Equal((frames[i].CameraId, frames[i].CapturedAt), (estimate.CameraId, estimate.CapturedAt));
            Assert.All(estimate.Slots, s => Assert.Equal((i % 12, fills[i % 3]), (s.Design, s.Fill)));
        }
    }

    private static async Task InstallAsync(InferenceServices services)
    {
        var onnx = ColourShelfModel.Write();
        var applied = await services.Host.InstallAsync(ColourShelfModel.Manifest("batch-v1", onnx), onnx, CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
    }
}
