namespace Orleans.Edge.Vision.Frames;

/// <summary>What really is in one slot of a generated frame.</summary>
/// <param name="Slot">0-based, left to right.</param>
/// <param name="Fill">Empty (0 units), Full (depth units) or Partial.</param>
/// <param name="Units">Units in the slot, 0..depth.</param>
/// <param name="ExpectedDesign">The planogram's design for the slot.</param>
/// <param name="ShownDesign">The design on the units in the slot; -1 when it is empty.</param>
/// <param name="WrongSku">The slot holds units of another design than the planogram's.</param>
/// <param name="Occluded">A shopper's arm covers a quarter or more of the slot in the frame.</param>
public sealed record SlotTruth(int Slot, SlotFill Fill, int Units, int ExpectedDesign, int ShownDesign, bool WrongSku, bool Occluded);

/// <summary>A synthetic frame and its ground truth.</summary>
/// <param name="Index">Position in the generator's sequence; the same index always gives the same frame.</param>
/// <param name="Rgb">Packed RGB, <see cref="ShelfVisionContract.FrameBytes"/> bytes.</param>
/// <param name="Slots">Ground truth per slot, left to right.</param>
/// <param name="HasOccluder">An arm is in the frame (it may still cover no slot enough to count).</param>
public sealed record GeneratedFrame(long Index, byte[] Rgb, IReadOnlyList<SlotTruth> Slots, bool HasOccluder)
{
    /// <summary>The frame as a camera submits it to the store.</summary>
    public CameraFrame ToCameraFrame(string cameraId, DateTimeOffset capturedAt) =>
        new(cameraId, capturedAt, ShelfVisionContract.Width, ShelfVisionContract.Height, Rgb);
}
