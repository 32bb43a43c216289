using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Store.Inference;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

[Collection(VisionClusterCollection.Name)]
public sealed class FrameRejectionTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task BadFrames_AreRefusedWithTheirReason_AndChangeNothing()
    {
        await fx.InstallAsync("vision-v1");
        var shelf = await fx.NewShelfAsync("frames-bad");
        await shelf.Units(8);
        Assert.True((await shelf.SeeAll(SlotFill.Full)).IsAccepted);
        var camera = fx.Client.GetGrain<ISensorGrain>(shelf.Camera.Value);
        var metrics = fx.SiloServices.GetRequiredService<InferenceMetrics>();
        var before = await Snapshot();
        var judged = metrics.Frames;

        var now = fx.Time.GetUtcNow();
        var good = ColourShelfModel.Uniform(shelf.Camera.Value, shelf.LastFrameAt.AddSeconds(1), shelf.Design, SlotFill.Empty);
        byte[] tiny = new byte[64 * 64 * 3];
        // Sent to the camera's grain directly, as a store app on another SDK might: the store judges them itself.
        var atTheStore = new (CameraFrame Frame, FrameRejection Expected)[]
        {
            (good with { Width = 64, Height = 64, Rgb = tiny }, FrameRejection.WrongSize),
            (good with { Rgb = null! }, FrameRejection.Undecodable),
            (good with { Rgb = good.Rgb[..1000] }, FrameRejection.Undecodable),
            (good with { CapturedAt = now.AddMinutes(10) }, FrameRejection.ClockSkew),
            (good with { CapturedAt = shelf.LastFrameAt.AddMilliseconds(50) }, FrameRejection.Throttled),
            (good with { CameraId = "another-cam" }, FrameRejection.UnknownCamera),
        };
        foreach (var (frame, expected) in atTheStore)
            AssertRefused(expected, await camera.SubmitFrame(frame));

        // Through the SDK: size and buffer are refused before anything is sent; the rest by the store.
        AssertRefused(FrameRejection.WrongSize, await fx.Store.SubmitFrameAsync(good with { Width = 64, Height = 64, Rgb = tiny }));
        AssertRefused(FrameRejection.Undecodable, await fx.Store.SubmitFrameAsync(good with { Rgb = null! }));
        AssertRefused(FrameRejection.Undecodable, await fx.Store.SubmitFrameAsync(good with { Rgb = [] }));
        AssertRefused(FrameRejection.UnknownCamera, await fx.Store.SubmitFrameAsync(good with { CameraId = "no-such-cam" }));
        AssertRefused(FrameRejection.UnknownCamera, await fx.Store.SubmitFrameAsync(good with { CameraId = shelf.Cell.Value }));
        AssertRefused(FrameRejection.ClockSkew, await fx.Store.SubmitFrameAsync(good with { CapturedAt = now.AddHours(-1) }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => fx.Store.SubmitFrameAsync(null!));

        var after = await Snapshot();
        Assert.Equal(before.State, after.State);
        Assert.Equal(before.Vision, after.Vision);
        Assert.Equal(before.Accepted, after.Accepted);
        Assert.Equal(before.Rejected + atTheStore.Length + 1, after.Rejected);   // + the ClockSkew one sent through the SDK
        Assert.Equal(before.Uplinked, after.Uplinked);
        Assert.Equal(judged, metrics.Frames);

        // ...and the good frame after them all is judged as usual.
        Assert.True((await fx.Store.SubmitFrameAsync(good)).IsAccepted);
        Assert.Equal(0, (await shelf.State()).CameraUnits);

        async Task<(string State, string? Vision, long Accepted, long Rejected, int Uplinked)> Snapshot()
        {
            var state = await shelf.State();
            var vision = await fx.Store.GetCameraVisionAsync(shelf.Camera.Value);
            var status = (await camera.GetStatus())!;
            return ($"{state.Units}/{state.WeightUnits}/{state.CameraUnits}/{state.LastReadingAt:O}/{state.OpenAlerts.Count}",
                vision is null ? null : $"{vision.ModelVersion}@{vision.CapturedAt:O}:{string.Join(",", vision.Slots.Select(s => s.Fill))}",
                status.Accepted, status.Rejected, (await fx.UplinkEventsAsync()).Count);
        }
    }

    [Fact]
    public async Task LoweredFrameRate_ThrottlesFramesAboveIt_AndIsAnnouncedThroughChanged()
    {
        await fx.InstallAsync("vision-v1");
        var shelf = await fx.NewShelfAsync("frames-throttled");
        var hardware = fx.SiloServices.GetRequiredService<HardwareDetector>();
        var announced = new List<double>();
        void Record(HardwareCapabilities c) => announced.Add(c.FrameHzPerCamera);
        hardware.Changed += Record;
        try
        {
            Assert.True((await shelf.SeeAll(SlotFill.Full)).IsAccepted);   // 250 ms apart: fine at 5 frames/s
            hardware.SetFrameHz(2);   // as the governor does when the silo cannot keep up
            var throttled = await shelf.SeeAll(SlotFill.Full);
            AssertRefused(FrameRejection.Throttled, throttled);
            Assert.Contains("2 frames/s", throttled.Message, StringComparison.Ordinal);
            Assert.Equal(2, (await fx.Store.GetInferenceStatusAsync()).Hardware.FrameHzPerCamera);
            Assert.Equal(2.0, Assert.Single(announced));
            // 500 ms after the last accepted one: fine at 2 frames/s. (The governor may raise the rate
            // again after this batch, since this silo has plenty of room: that is its job.)
            Assert.True((await shelf.SeeAll(SlotFill.Full)).IsAccepted);
        }
        finally
        {
            hardware.SetFrameHz(new InferenceOptions().FrameHzPerCamera);
            hardware.Changed -= Record;
        }
    }

    private static void AssertRefused(FrameRejection expected, FrameResult result)
    {
        Assert.Equal(expected, result.Rejection);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.Null(result.Estimate);
    }
}
