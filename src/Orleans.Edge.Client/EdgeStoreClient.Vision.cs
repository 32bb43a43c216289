using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Client;

public sealed partial class EdgeStoreClient
{
    /// <summary>
    /// Has the store judge one camera frame. A frame of the wrong size or without its pixels is
    /// refused here, before it is sent; everything else (unknown camera, clock skew, no model,
    /// above the camera's frame rate) by the store. A refused frame changes nothing.
    /// </summary>
    /// <returns>The per-slot estimate, or the refusal with a message a person can act on.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is null.</exception>
    public async Task<FrameResult> SubmitFrameAsync(CameraFrame frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (EdgeId.Problem(frame.CameraId, "camera id") is { } problem) return new FrameResult(FrameRejection.UnknownCamera, problem, null);
        if (frame.Rgb is null) return new FrameResult(FrameRejection.Undecodable, $"frame from camera '{frame.CameraId}' has no pixel buffer", null);
        if (frame.Width != ShelfVisionContract.Width || frame.Height != ShelfVisionContract.Height)
            return new FrameResult(FrameRejection.WrongSize,
                $"frame from camera '{frame.CameraId}' is {frame.Width}×{frame.Height}; stores take {ShelfVisionContract.Width}×{ShelfVisionContract.Height} RGB", null);
        if (frame.Rgb.Length != ShelfVisionContract.FrameBytes)
            return new FrameResult(FrameRejection.Undecodable,
                $"frame from camera '{frame.CameraId}' has {frame.Rgb.Length} bytes of pixels; {frame.Width}×{frame.Height} packed RGB is {ShelfVisionContract.FrameBytes}", null);
        return await _grains.GetGrain<ISensorGrain>(frame.CameraId).SubmitFrame(frame).WaitAsync(cancellationToken);
    }

    /// <summary>The estimate of a camera's latest accepted frame, or null if it has none (or no such camera).</summary>
    public async Task<VisionEstimate?> GetCameraVisionAsync(string cameraId, CancellationToken cancellationToken = default)
    {
        if (EdgeId.Problem(cameraId, "camera id") is { } problem) throw new ArgumentException(problem, nameof(cameraId));
        return await _grains.GetGrain<ISensorGrain>(cameraId).GetVision().WaitAsync(cancellationToken);
    }

    /// <summary>The latest estimate from any of a shelf's cameras, or null if it has none.</summary>
    /// <exception cref="UnknownShelfException">No such shelf in this store.</exception>
    public async Task<VisionEstimate?> GetShelfVisionAsync(string shelfId, CancellationToken cancellationToken = default)
    {
        CheckShelfId(shelfId);
        var shelf = _grains.GetGrain<IShelfGrain>(shelfId);
        if (await shelf.GetState().WaitAsync(cancellationToken) is null) throw new UnknownShelfException(StoreId, shelfId);
        return await shelf.GetVision().WaitAsync(cancellationToken);
    }

    /// <summary>The shelf model version serving, or null before the first model.</summary>
    public async Task<string?> GetModelVersionAsync(CancellationToken cancellationToken = default) =>
        (await GetInferenceStatusAsync(cancellationToken)).ModelVersion;

    /// <summary>The model serving, the machine's inference capabilities and frame counts (of the silo that answers).</summary>
    public Task<InferenceStatus> GetInferenceStatusAsync(CancellationToken cancellationToken = default) =>
        _grains.GetGrain<IInferenceStatusGrain>(0).GetStatus().WaitAsync(cancellationToken);
}
