using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Store.Shelves;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Sensors;

/// <summary>What a camera grain needs for frames: the silo's batcher, rate governor and metrics.</summary>
public sealed record CameraFrames(FrameBatcher Batcher, FrameRateGovernor Governor, InferenceMetrics Metrics);

public sealed partial class SensorGrain
{
    private DateTimeOffset? _lastFrameAt;
    private VisionEstimate? _vision;

    public async Task<FrameResult> SubmitFrame(CameraFrame frame)
    {
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow();
        if (FrameProblem(frame, now) is { } refused) return Refuse(refused);

        var judged = await frames.Batcher.JudgeAsync(frame);
        if (judged.Estimate is not { } estimate) return Refuse(judged);

        var spec = state.State.Spec!;
        _lastFrameAt = frame.CapturedAt;
        _vision = estimate;
        _accepted++;
        _lastArrivalAt = now;
        _lastReadingAt = frame.CapturedAt;
        _lastValue = VisionUnits.Fraction(estimate.Slots);
        await GrainFactory.GetGrain<IShelfGrain>(spec.ShelfId.Value).OnVision(spec.SensorId, estimate);
        await SetFault(null, frame.CapturedAt);
        frames.Metrics.OnFrame(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return judged;
    }

    public Task<VisionEstimate?> GetVision() => Task.FromResult(_vision);

    /// <summary>Everything that refuses a frame before the model sees it, in the order a person would check.</summary>
    private FrameResult? FrameProblem(CameraFrame frame, DateTimeOffset now)
    {
        var id = this.GetPrimaryKeyString();
        if (state.State.Spec is not { } spec)
            return FrameChecks.Reject(FrameRejection.UnknownCamera, $"no camera '{id}' is installed in this store");
        if (spec.Kind != SensorKind.Camera)
            return FrameChecks.Reject(FrameRejection.UnknownCamera, $"sensor '{id}' is a load cell, not a camera");
        if (frame is not null && !string.Equals(frame.CameraId, id, StringComparison.Ordinal))
            return FrameChecks.Reject(FrameRejection.UnknownCamera, $"the frame names camera '{frame.CameraId}' but was sent to camera '{id}'");
        if (FrameChecks.Problem(frame, now, _options.ClockSkewTolerance) is { } problem) return problem;

        var hz = frames.Governor.AllowedHz;
        if (_lastFrameAt is { } last)
        {
            var since = frame!.CapturedAt - last;
            // A tenth of slack: cameras time their frames with some jitter.
            if (since < TimeSpan.FromSeconds(0.9 / hz))
                return FrameChecks.Reject(FrameRejection.Throttled, since <= TimeSpan.Zero
                    ? $"camera '{id}' sent a frame stamped {frame.CapturedAt:O}, not after its last accepted frame ({last:O})"
                    : $"camera '{id}' sent a frame {since.TotalMilliseconds:F0} ms after its last; the store judges {hz:0.##} frames/s per camera now");
        }
        frames.Governor.OnFrame(id);
        return null;
    }

    private FrameResult Refuse(FrameResult refused)
    {
        _rejected++;
        frames.Metrics.OnRejected(refused.Rejection);
        if (logger.IsEnabled(LogLevel.Debug)) LogFrameRejected(logger, _storeId, this.GetPrimaryKeyString(), refused.Rejection, refused.Message);
        return refused;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {Store} camera {Camera} refused a frame ({Reason}): {Detail}")]
    private static partial void LogFrameRejected(ILogger logger, string store, string camera, FrameRejection reason, string? detail);
}
