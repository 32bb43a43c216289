using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>Judges a frame's shape and timestamp before it goes near the model; the camera's own checks come first.</summary>
public static class FrameChecks
{
    /// <summary>The rejection for <paramref name="frame"/>, or null when it may be judged.</summary>
    public static FrameResult? Problem(CameraFrame? frame, DateTimeOffset now, TimeSpan skewTolerance)
    {
        if (frame is null) return Reject(FrameRejection.Undecodable, "the frame is missing");
        if (frame.Rgb is null) return Reject(FrameRejection.Undecodable, $"frame from camera '{frame.CameraId}' has no pixel buffer");
        if (frame.Width != ShelfVisionContract.Width || frame.Height != ShelfVisionContract.Height)
            return Reject(FrameRejection.WrongSize,
                $"frame from camera '{frame.CameraId}' is {frame.Width}×{frame.Height}; the store's model takes {ShelfVisionContract.Width}×{ShelfVisionContract.Height} RGB");
        if (frame.Rgb.Length != ShelfVisionContract.FrameBytes)
            return Reject(FrameRejection.Undecodable,
                $"frame from camera '{frame.CameraId}' has {frame.Rgb.Length} bytes of pixels; {frame.Width}×{frame.Height} packed RGB is {ShelfVisionContract.FrameBytes}");
        var skew = frame.CapturedAt - now;
        if (skew.Duration() > skewTolerance)
            return Reject(FrameRejection.ClockSkew,
                $"frame from camera '{frame.CameraId}' is stamped {frame.CapturedAt:O}, {Math.Abs(skew.TotalSeconds):F0} s {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the store clock (tolerance {skewTolerance.TotalSeconds:F0} s)");
        return null;
    }

    /// <summary>A refusal with its reason.</summary>
    public static FrameResult Reject(FrameRejection rejection, string message) => new(rejection, message, null);
}

/// <summary>Turns the model's logits into per-slot estimates (frames become input through <see cref="FrameTensor"/>, shared with training).</summary>
public static class SlotReader
{
    /// <summary>The slot estimates of frame <paramref name="index"/> of a batch's outputs.</summary>
    public static SlotEstimate[] Slots(ModelOutput output, int index)
    {
        ArgumentNullException.ThrowIfNull(output);
        const int slots = ShelfVisionContract.Slots;
        var result = new SlotEstimate[slots];
        for (var s = 0; s < slots; s++)
        {
            var fill = output.Fill.AsSpan((index * slots + s) * ShelfVisionContract.FillClasses, ShelfVisionContract.FillClasses);
            var sku = output.Sku.AsSpan((index * slots + s) * ShelfVisionContract.SkuDesigns, ShelfVisionContract.SkuDesigns);
            var (fillClass, fillP) = ArgMaxSoftmax(fill);
            var (design, designP) = ArgMaxSoftmax(sku);
            result[s] = new SlotEstimate(s, (SlotFill)fillClass, fillP, design, designP);
        }
        return result;
    }

    private static (int Index, float Probability) ArgMaxSoftmax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - logits[best]);
        return (best, (float)(1 / sum));
    }
}
