using static Orleans.Edge.Vision.Onnx.ShelfModelArchitecture;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Vision.Onnx;

/// <summary>
/// The largest activation after each quantized layer of the shelf CNN over some calibration frames,
/// from a plain C# forward pass. Plain scalar loops in a fixed order, not ONNX Runtime: the ranges
/// (and so the int8 model's bytes) must not depend on a runtime's kernels or thread count.
/// All quantized activations follow a ReLU (or a pool of one), so their minimum is 0.
/// </summary>
internal sealed record ShelfModelCalibration(float Conv1, float Conv2, float Conv3, float Pooled, float Head)
{
    public static ShelfModelCalibration Measure(ShelfModelWeights w, IReadOnlyList<float[]> framesChw)
    {
        if (framesChw.Count == 0) throw new ArgumentException("calibration needs at least one frame", nameof(framesChw));
        float m1 = 0, m2 = 0, m3 = 0, m4 = 0, m5 = 0;
        foreach (var frame in framesChw)
        {
            if (frame.Length != FrameTensor.Length) throw new ArgumentException($"a calibration frame is {FrameTensor.Length} CHW floats", nameof(framesChw));
            int h = C.Height, wd = C.Width;
            var x = ConvRelu(frame, 3, h, wd, w["conv1.weight"], w["conv1.bias"], C1, 3, 3, 1);
            m1 = MathF.Max(m1, Max(x));
            x = MaxPool2(x, C1, h, wd); h /= 2; wd /= 2;
            x = ConvRelu(x, C1, h, wd, w["conv2.weight"], w["conv2.bias"], C2, 3, 3, 1);
            m2 = MathF.Max(m2, Max(x));
            x = MaxPool2(x, C2, h, wd); h /= 2; wd /= 2;
            x = ConvRelu(x, C2, h, wd, w["conv3.weight"], w["conv3.bias"], C3, 3, 3, 1);
            m3 = MathF.Max(m3, Max(x));
            x = AvgPool(x, C3, h, wd, SlotPool); h /= SlotPool; wd /= SlotPool;
            m4 = MathF.Max(m4, Max(x));
            x = ConvRelu(x, C3, h, wd, w["head.weight"], w["head.bias"], Hidden, ShelfModelArchitecture.Bands, 1, 0);
            m5 = MathF.Max(m5, Max(x));
        }
        return new ShelfModelCalibration(m1, m2, m3, m4, m5);
    }

    private static float Max(float[] values)
    {
        var m = 0f;
        foreach (var v in values) m = MathF.Max(m, v);
        return m;
    }

    /// <summary>Conv (stride 1, symmetric padding) + bias + ReLU on one CHW map.</summary>
    private static float[] ConvRelu(float[] x, int cin, int h, int w, float[] weight, float[] bias, int cout, int kh, int kw, int pad)
    {
        var oh = h + (2 * pad) - kh + 1;
        var ow = w + (2 * pad) - kw + 1;
        var y = new float[cout * oh * ow];
        for (var o = 0; o < cout; o++)
        {
            var plane = y.AsSpan(o * oh * ow, oh * ow);
            plane.Fill(bias[o]);
            for (var c = 0; c < cin; c++)
            {
                for (var ky = 0; ky < kh; ky++)
                {
                    for (var kx = 0; kx < kw; kx++)
                    {
                        var k = weight[(((o * cin) + c) * kh + ky) * kw + kx];
                        for (var yy = 0; yy < oh; yy++)
                        {
                            var iy = yy + ky - pad;
                            if (iy < 0 || iy >= h) continue;
                            var row = (c * h + iy) * w;
                            for (var xx = 0; xx < ow; xx++)
                            {
                                var ix = xx + kx - pad;
                                if (ix >= 0 && ix < w) plane[(yy * ow) + xx] += k * x[row + ix];
                            }
                        }
                    }
                }
            }
            for (var i = 0; i < plane.Length; i++) plane[i] = MathF.Max(0, plane[i]);
        }
        return y;
    }

    private static float[] MaxPool2(float[] x, int c, int h, int w)
    {
        var y = new float[c * (h / 2) * (w / 2)];
        for (var ch = 0; ch < c; ch++)
            for (var yy = 0; yy < h / 2; yy++)
                for (var xx = 0; xx < w / 2; xx++)
                {
                    var i = (ch * h + (2 * yy)) * w + (2 * xx);
                    y[(ch * (h / 2) + yy) * (w / 2) + xx] = MathF.Max(MathF.Max(x[i], x[i + 1]), MathF.Max(x[i + w], x[i + w + 1]));
                }
        return y;
    }

    private static float[] AvgPool(float[] x, int c, int h, int w, int k)
    {
        var y = new float[c * (h / k) * (w / k)];
        for (var ch = 0; ch < c; ch++)
            for (var yy = 0; yy < h / k; yy++)
                for (var xx = 0; xx < w / k; xx++)
                {
                    var sum = 0f;
                    for (var dy = 0; dy < k; dy++)
                        for (var dx = 0; dx < k; dx++) sum += x[(ch * h + (yy * k) + dy) * w + (xx * k) + dx];
                    y[(ch * (h / k) + yy) * (w / k) + xx] = sum / (k * k);
                }
        return y;
    }
}
