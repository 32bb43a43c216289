namespace Orleans.Edge.Vision;

/// <summary>
/// Packed 8-bit RGB frames to the model's input layout, float CHW scaled to 0..1. The one
/// conversion used by training and by inference, so the two can never disagree on it.
/// </summary>
public static class FrameTensor
{
    /// <summary>Floats per frame: 3 × Height × Width.</summary>
    public const int Length = 3 * ShelfVisionContract.Height * ShelfVisionContract.Width;

    private const int Plane = ShelfVisionContract.Height * ShelfVisionContract.Width;

    /// <summary>Writes one frame's planes R, G, B into <paramref name="chw"/>.</summary>
    public static void ToChw(ReadOnlySpan<byte> rgb, Span<float> chw)
    {
        if (rgb.Length != ShelfVisionContract.FrameBytes)
            throw new ArgumentException($"a frame is {ShelfVisionContract.FrameBytes} bytes of packed RGB, not {rgb.Length}", nameof(rgb));
        if (chw.Length < Length) throw new ArgumentException($"the destination needs {Length} floats", nameof(chw));
        var r = chw[..Plane];
        var g = chw.Slice(Plane, Plane);
        var b = chw.Slice(2 * Plane, Plane);
        const float Scale = 1f / 255f;
        for (var i = 0; i < Plane; i++)
        {
            r[i] = rgb[3 * i] * Scale;
            g[i] = rgb[(3 * i) + 1] * Scale;
            b[i] = rgb[(3 * i) + 2] * Scale;
        }
    }

    /// <summary>One frame as a new CHW array.</summary>
    public static float[] ToChw(ReadOnlySpan<byte> rgb)
    {
        var chw = new float[Length];
        ToChw(rgb, chw);
        return chw;
    }
}
