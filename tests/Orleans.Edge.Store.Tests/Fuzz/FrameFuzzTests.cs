using CsCheck;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Fuzz;

/// <summary>
/// Hostile camera frames at the store's entrance (<see cref="FrameChecks"/>): missing, wrong or huge
/// dimensions, buffers of the wrong length, timestamps at the ends of time. Each is refused with a
/// reason and message, or has exactly the contract's shape and a timestamp within the skew tolerance.
/// </summary>
public sealed class FrameFuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(30);

    private static readonly Gen<int> Dimension = Gen.Frequency(
        (4, Gen.Const(-1)),   // the contract's own dimension
        (1, Hostile.Int), (1, Gen.OneOf(0, 1, int.MaxValue, int.MinValue, ShelfVisionContract.Width + 1, ShelfVisionContract.Height - 1)));

    // Checks never write to a frame, so one buffer per length serves every iteration.
    private static readonly byte[] Exact = new byte[ShelfVisionContract.FrameBytes];

    private static readonly Gen<byte[]?> Pixels = Gen.Frequency(
        (4, Gen.Const<byte[]?>(Exact)),
        (1, Gen.Const((byte[]?)null)),
        (2, Gen.Int[0, ShelfVisionContract.FrameBytes * 2].Select(n => (byte[]?)new byte[n])),
        (1, Gen.OneOf(0, 1, ShelfVisionContract.FrameBytes - 1, ShelfVisionContract.FrameBytes + 1).Select(n => (byte[]?)new byte[n])));

    private static readonly Gen<DateTimeOffset> CapturedAt = Gen.Frequency(
        (4, Gen.Long[-60_000, 60_000].Select(ms => Now.AddMilliseconds(ms))),
        (1, Gen.OneOf(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch, Now + Tolerance, Now - Tolerance,
            Now + Tolerance + TimeSpan.FromTicks(1))),
        (1, Gen.Long[DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks].Select(t => new DateTimeOffset(t, TimeSpan.Zero))));

    private static readonly Gen<CameraFrame?> Frame =
        from id in Hostile.Id
        from at in CapturedAt
        from size in Gen.Select(Dimension, Dimension)
        from rgb in Pixels
        from missing in Gen.Frequency((30, Gen.Const(false)), (1, Gen.Const(true)))
        select missing ? null : new CameraFrame(id, at,
            size.Item1 == -1 ? ShelfVisionContract.Width : size.Item1, size.Item2 == -1 ? ShelfVisionContract.Height : size.Item2, rgb!);

    [Fact]
    public void HostileFrames_AreRefusedWithAReason_OrHaveTheContractsShapeAndATimelyStamp()
    {
        var (judged, refused) = (0, 0);
        Fuzzing.Check(Frame, frame =>
        {
            if (FrameChecks.Problem(frame, Now, Tolerance) is { } problem)
            {
                refused++;
                Assert.False(problem.IsAccepted);
                Assert.False(string.IsNullOrWhiteSpace(problem.Message));
                Assert.Null(problem.Estimate);
                return;
            }
            judged++;
            Assert.NotNull(frame);
            Assert.Equal((ShelfVisionContract.Width, ShelfVisionContract.Height, ShelfVisionContract.FrameBytes), (frame.Width, frame.Height, frame.Rgb.Length));
            Assert.InRange(frame.CapturedAt, Now - Tolerance, Now + Tolerance);
        }, print: f => f is null ? "null" : $"{f.CameraId} {f.CapturedAt:O} {f.Width}x{f.Height} {f.Rgb?.Length.ToString() ?? "no"} bytes");
        Assert.True(judged > 500 && refused > 1000, $"{judged} judged, {refused} refused");
    }
}
