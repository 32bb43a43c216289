namespace Orleans.Edge.Vision;

/// <summary>
/// The fixed interface between shelf cameras, the shelf model and the store: frame size, the
/// number of facing slots a camera sees, the packaging designs the model tells apart, and the
/// ONNX tensor names. Every model version must honour it; a store rejects one that does not.
/// </summary>
public static class ShelfVisionContract
{
    /// <summary>Frame width in pixels.</summary>
    public const int Width = 128;

    /// <summary>Frame height in pixels.</summary>
    public const int Height = 64;

    /// <summary>Facing slots across one camera's shelf section, left to right.</summary>
    public const int Slots = 8;

    /// <summary>Packaging designs the model classifies; a SKU maps to one of them.</summary>
    public const int SkuDesigns = 12;

    /// <summary>Fill classes per slot: see <see cref="SlotFill"/>.</summary>
    public const int FillClasses = 3;

    /// <summary>Model input: float32 [N, 3, Height, Width], RGB scaled to 0..1.</summary>
    public const string InputName = "frames";

    /// <summary>Model output: float32 logits [N, Slots, FillClasses].</summary>
    public const string FillOutputName = "fill";

    /// <summary>Model output: float32 logits [N, Slots, SkuDesigns].</summary>
    public const string SkuOutputName = "sku";

    /// <summary>The input shape a manifest declares: -1 for the batch dimension (a fresh array).</summary>
    public static int[] InputShape() => [-1, 3, Height, Width];

    /// <summary>The fill output shape a manifest declares: -1 for the batch dimension (a fresh array).</summary>
    public static int[] FillShape() => [-1, Slots, FillClasses];

    /// <summary>The SKU output shape a manifest declares: -1 for the batch dimension (a fresh array).</summary>
    public static int[] SkuShape() => [-1, Slots, SkuDesigns];

    /// <summary>Bytes of one frame's packed RGB.</summary>
    public const int FrameBytes = Width * Height * 3;

    /// <summary>The packaging design a SKU is printed with (stable across processes and versions).</summary>
    public static int DesignOf(string sku)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        // FNV-1a: string.GetHashCode is randomised per process.
        uint hash = 2166136261;
        foreach (var c in sku) hash = (hash ^ c) * 16777619;
        return (int)(hash % SkuDesigns);
    }
}

/// <summary>How full one facing slot looks.</summary>
public enum SlotFill
{
    /// <summary>Nothing in the slot.</summary>
    Empty = 0,
    /// <summary>Some units, not all the way to the front.</summary>
    Partial = 1,
    /// <summary>The slot is full.</summary>
    Full = 2,
}
