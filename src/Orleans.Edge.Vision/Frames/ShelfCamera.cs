namespace Orleans.Edge.Vision.Frames;

/// <summary>
/// One camera's shelf section: the planogram's design for each of the
/// <see cref="ShelfVisionContract.Slots"/> facing slots, and how many units deep a slot is.
/// </summary>
/// <param name="CameraId">The camera sensor id.</param>
/// <param name="SlotDesigns">The expected packaging design per slot, left to right.</param>
/// <param name="Depth">Units one slot holds when full (1..6).</param>
public sealed record ShelfCamera(string CameraId, IReadOnlyList<int> SlotDesigns, int Depth = ShelfCamera.DefaultDepth)
{
    /// <summary>Units per full slot unless a camera says otherwise.</summary>
    public const int DefaultDepth = 4;

    /// <summary>Deepest slot the renderer can draw (a unit must stay at least 8 px tall).</summary>
    public const int MaxDepth = 6;

    /// <summary>A camera whose slots hold these SKUs (mapped with <see cref="ShelfVisionContract.DesignOf"/>).</summary>
    public static ShelfCamera FromSkus(string cameraId, IReadOnlyList<string> skus, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(skus);
        return new ShelfCamera(cameraId, skus.Select(ShelfVisionContract.DesignOf).ToArray(), depth).Validated();
    }

    internal ShelfCamera Validated()
    {
        ArgumentException.ThrowIfNullOrEmpty(CameraId);
        if (SlotDesigns is null || SlotDesigns.Count != ShelfVisionContract.Slots)
            throw new ArgumentException($"a shelf camera sees exactly {ShelfVisionContract.Slots} slots", nameof(SlotDesigns));
        if (SlotDesigns.Any(d => d is < 0 or >= ShelfVisionContract.SkuDesigns))
            throw new ArgumentException($"designs are 0..{ShelfVisionContract.SkuDesigns - 1}", nameof(SlotDesigns));
        if (Depth is < 1 or > MaxDepth) throw new ArgumentOutOfRangeException(nameof(Depth), Depth, $"depth is 1..{MaxDepth}");
        return this;
    }
}
