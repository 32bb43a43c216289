namespace Orleans.Edge.Vision;

/// <summary>What the model saw in one facing slot.</summary>
/// <param name="Slot">0-based, left to right.</param>
/// <param name="Fill">The most likely fill class.</param>
/// <param name="FillConfidence">Softmax probability of <paramref name="Fill"/>.</param>
/// <param name="Design">The most likely packaging design (see <see cref="ShelfVisionContract.DesignOf"/>).</param>
/// <param name="DesignConfidence">Softmax probability of <paramref name="Design"/>.</param>
[GenerateSerializer, Immutable]
public sealed record SlotEstimate(
    [property: Id(0)] int Slot,
    [property: Id(1)] SlotFill Fill,
    [property: Id(2)] float FillConfidence,
    [property: Id(3)] int Design,
    [property: Id(4)] float DesignConfidence);

/// <summary>The model's reading of one frame, as fed to the shelf under the camera.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="CapturedAt">When the frame was taken.</param>
/// <param name="ModelVersion">The model version that judged it.</param>
/// <param name="Slots">One estimate per slot, left to right.</param>
/// <param name="InferenceMs">Time spent in the model for this frame's batch, in milliseconds.</param>
[GenerateSerializer, Immutable]
public sealed record VisionEstimate(
    [property: Id(0)] string CameraId,
    [property: Id(1)] DateTimeOffset CapturedAt,
    [property: Id(2)] string ModelVersion,
    [property: Id(3)] IReadOnlyList<SlotEstimate> Slots,
    [property: Id(4)] double InferenceMs);

/// <summary>Why a frame was refused. A refused frame changes nothing.</summary>
public enum FrameRejection
{
    /// <summary>Not refused.</summary>
    None = 0,
    /// <summary>No camera with this id is installed in the store.</summary>
    UnknownCamera,
    /// <summary>Width or height differ from the contract.</summary>
    WrongSize,
    /// <summary>The pixel buffer is missing or its length does not match Width × Height × 3.</summary>
    Undecodable,
    /// <summary>The capture time is too far from the store clock.</summary>
    ClockSkew,
    /// <summary>No model is installed yet.</summary>
    NoModel,
    /// <summary>The camera is above its frame budget; the frame was dropped by rate control.</summary>
    Throttled,
}

/// <summary>What became of a submitted frame.</summary>
[GenerateSerializer, Immutable]
public sealed record FrameResult(
    [property: Id(0)] FrameRejection Rejection,
    [property: Id(1)] string? Message,
    [property: Id(2)] VisionEstimate? Estimate)
{
    /// <summary>True when the frame was judged and its estimate fed to the shelf.</summary>
    public bool IsAccepted => Rejection == FrameRejection.None;
}
