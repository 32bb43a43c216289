namespace Orleans.Edge.Vision.Onnx;

/// <summary>
/// The shelf CNN, as the ONNX writer and the trainer both build it. Tensor names follow the
/// trainer's parameter names, so weights move from trainer to ONNX by name.
/// <code>
/// frames [N,3,64,128]
///   conv1 3x3 3→16, ReLU, MaxPool 2      → [N,16,32,64]
///   conv2 3x3 16→32, ReLU, MaxPool 2     → [N,32,16,32]
///   conv3 3x3 32→48, ReLU                → [N,48,16,32]
///   AveragePool 4x4                      → [N,48,4,8]   (4 depth bands × 8 slots)
///   head (4,1) 48→64, ReLU               → [N,64,1,8]   (one column per slot)
///   fill 1x1 64→3 / sku 1x1 64→12        → [N,3,1,8] / [N,12,1,8]
///   Reshape, Transpose                   → fill [N,8,3], sku [N,8,12]
/// </code>
/// </summary>
public static class ShelfModelArchitecture
{
    /// <summary>Architecture name, written into the model's metadata.</summary>
    public const string Name = "shelf-cnn-1";

    /// <summary>Channels after conv1, conv2, conv3 and the slot head.</summary>
    public const int C1 = 16, C2 = 32, C3 = 48, Hidden = 64;

    /// <summary>Side of the average pool that turns the conv3 map into depth bands × slots.</summary>
    public const int SlotPool = 4;

    /// <summary>Rows of the pooled map the slot head spans (its kernel height).</summary>
    public const int Bands = ShelfVisionContract.Height / 4 / SlotPool;

    /// <summary>Every parameter tensor of the model, in order, with its shape.</summary>
    public static IReadOnlyList<(string Name, int[] Shape)> Parameters { get; } =
    [
        ("conv1.weight", [C1, 3, 3, 3]), ("conv1.bias", [C1]),
        ("conv2.weight", [C2, C1, 3, 3]), ("conv2.bias", [C2]),
        ("conv3.weight", [C3, C2, 3, 3]), ("conv3.bias", [C3]),
        ("head.weight", [Hidden, C3, Bands, 1]), ("head.bias", [Hidden]),
        ("fill.weight", [ShelfVisionContract.FillClasses, Hidden, 1, 1]), ("fill.bias", [ShelfVisionContract.FillClasses]),
        ("sku.weight", [ShelfVisionContract.SkuDesigns, Hidden, 1, 1]), ("sku.bias", [ShelfVisionContract.SkuDesigns]),
    ];

    /// <summary>Elements of a tensor of <paramref name="shape"/>.</summary>
    public static int Elements(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}
