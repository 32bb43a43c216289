namespace Orleans.Edge.Vision.Frames;

/// <summary>
/// Draws a <see cref="ShelfScene"/> as a domain's camera would see it: per pixel, the inverse camera
/// transform finds the shelf point, the shelf is evaluated procedurally there, then light, lens blur
/// and sensor noise are applied. Reuses its buffers: one renderer per thread.
/// </summary>
internal sealed class FrameRenderer
{
    private const int W = ShelfVisionContract.Width, H = ShelfVisionContract.Height, Plane = W * H;
    private const float ShelfTop = 6f, ShelfFront = 54f, RailBottom = 60f, SlotWidth = W / ShelfVisionContract.Slots;
    private const int OccludedPixels = (int)(SlotWidth * (ShelfFront - ShelfTop) / 4f);

    private readonly float[] _image = new float[3 * Plane];
    private readonly float[] _scratch = new float[3 * Plane];
    private readonly int[] _armPixels = new int[ShelfVisionContract.Slots];
    private readonly float[] _columnLight = new float[W];
    private static readonly PackagingDesign[] Designs = [.. PackagingDesign.All];

    /// <summary>Renders into <paramref name="rgb"/> and returns which slots the arm occludes.</summary>
    public bool[] Render(ShelfScene scene, CameraDomain d, SplitMixRandom r, Span<byte> rgb)
    {
        var gain = d.Brightness * (1f + r.Range(-d.Jitter, d.Jitter));
        var jx = r.Range(-d.Jitter, d.Jitter) * 20f;
        var jy = r.Range(-d.Jitter, d.Jitter) * 20f;
        var theta = d.RotationDegrees * (MathF.PI / 180f);
        float cos = MathF.Cos(theta), sin = MathF.Sin(theta), inv = 1f / d.Scale;
        float ox = d.OffsetX + jx, oy = d.OffsetY + jy;
        Array.Clear(_armPixels);
        for (var x = 0; x < W; x++) _columnLight[x] = gain * (1f + (d.LightGradient * (((x + 0.5f) / W) - 0.5f)));
        var occluder = scene.Occluder;
        var hasArm = occluder.HasValue;
        var arm = occluder.GetValueOrDefault();
        Rgb cast = d.Cast;
        float shear = d.Shear;

        for (var y = 0; y < H; y++)
        {
            for (var x = 0; x < W; x++)
            {
                float px = x + 0.5f - (W / 2f) - ox, py = y + 0.5f - (H / 2f) - oy;
                var ry = (-sin * px) + (cos * py);
                var rx = (cos * px) + (sin * py) - (shear * ry);
                float u = (rx * inv) + (W / 2f), v = (ry * inv) + (H / 2f);
                Rgb c;
                if (hasArm && ArmColour(in arm, x + 0.5f, y + 0.5f, out c))
                {
                    if (v >= ShelfTop && v < ShelfFront && u >= 0f && u < W) _armPixels[(int)(u / SlotWidth)]++;
                }
                else
                {
                    c = SceneColour(scene, u, v);
                }
                var light = _columnLight[x];
                var i = (y * W) + x;
                _image[i] = c.R * light * cast.R;
                _image[Plane + i] = c.G * light * cast.G;
                _image[(2 * Plane) + i] = c.B * light * cast.B;
            }
        }
        for (var pass = 0; pass < d.BlurPasses; pass++) Blur();

        var sigma = d.NoiseSigma;
        for (var i = 0; i < Plane; i++)
        {
            var o = i * 3;
            rgb[o] = Quantise(_image[i] + (sigma * r.NextGaussian()));
            rgb[o + 1] = Quantise(_image[Plane + i] + (sigma * r.NextGaussian()));
            rgb[o + 2] = Quantise(_image[(2 * Plane) + i] + (sigma * r.NextGaussian()));
        }
        var occluded = new bool[ShelfVisionContract.Slots];
        for (var s = 0; s < occluded.Length; s++) occluded[s] = _armPixels[s] >= OccludedPixels;
        return occluded;
    }

    private static byte Quantise(float value) => (byte)((Math.Clamp(value, 0f, 1f) * 255f) + 0.5f);

    private static Rgb SceneColour(ShelfScene scene, float u, float v)
    {
        if (u < 0f || u >= W) return new Rgb(0.30f, 0.30f, 0.32f); // the next shelf section, out of view
        if (v < ShelfTop) return new Rgb(0.60f, 0.58f, 0.54f);
        if (v >= RailBottom) return new Rgb(0.16f, 0.16f, 0.18f);
        var slot = (int)(u / SlotWidth);
        var lu = u - (slot * SlotWidth);
        if (v >= ShelfFront)
        {
            var label = MathF.Abs(lu - (SlotWidth / 2f)) < 3.5f && v >= ShelfFront + 1f && v < RailBottom - 1f;
            return label ? new Rgb(0.97f, 0.97f, 0.95f) : new Rgb(0.75f, 0.75f, 0.78f);
        }
        if (lu < 0.6f) return new Rgb(0.40f, 0.40f, 0.42f);

        var fromFront = ShelfFront - v;
        var unitHeight = (ShelfFront - ShelfTop) / scene.Depth;
        var k = (int)(fromFront / unitHeight);
        if (k < scene.Units[slot])
        {
            var margin = 1f + (0.6f * k);
            var ly = unitHeight - (fromFront - (k * unitHeight));
            if (lu >= margin && lu < SlotWidth - margin && ly >= 1f)
            {
                var design = Designs[scene.Shown[slot]];
                var shade = 1f - (0.1f * k);
                var c = design.IsSecondary(lu - margin, ly - 1f, SlotWidth - (2f * margin), unitHeight - 1f) ? design.Secondary : design.Primary;
                return new Rgb(c.R * shade, c.G * shade, c.B * shade);
            }
        }
        var back = 0.8f + (0.2f * fromFront / (ShelfFront - ShelfTop));
        return new Rgb(0.22f * back, 0.21f * back, 0.24f * back);
    }

    private static bool ArmColour(in ShelfScene.Arm arm, float x, float y, out Rgb colour)
    {
        float dx = arm.X1 - arm.X0, dy = arm.Y1 - arm.Y0;
        var t = Math.Clamp((((x - arm.X0) * dx) + ((y - arm.Y0) * dy)) / ((dx * dx) + (dy * dy)), 0f, 1f);
        float ex = x - (arm.X0 + (t * dx)), ey = y - (arm.Y0 + (t * dy));
        var d2 = (ex * ex) + (ey * ey);
        if (d2 >= arm.Radius * arm.Radius)
        {
            colour = default;
            return false;
        }
        // Rounder towards the edge of the arm: darker.
        var shade = 1f - (0.35f * d2 / (arm.Radius * arm.Radius));
        var c = t < 0.4f ? arm.Sleeve : arm.Skin;
        colour = new Rgb(c.R * shade, c.G * shade, c.B * shade);
        return true;
    }

    /// <summary>One separable [1 2 1]/4 pass, edges clamped.</summary>
    private void Blur()
    {
        for (var ch = 0; ch < 3; ch++)
        {
            var src = _image.AsSpan(ch * Plane, Plane);
            var tmp = _scratch.AsSpan(ch * Plane, Plane);
            for (var y = 0; y < H; y++)
            {
                var row = y * W;
                for (var x = 0; x < W; x++)
                {
                    var l = src[row + Math.Max(x - 1, 0)];
                    var rr = src[row + Math.Min(x + 1, W - 1)];
                    tmp[row + x] = (l + (2f * src[row + x]) + rr) * 0.25f;
                }
            }
            for (var y = 0; y < H; y++)
            {
                int up = Math.Max(y - 1, 0) * W, down = Math.Min(y + 1, H - 1) * W, row = y * W;
                for (var x = 0; x < W; x++) src[row + x] = (tmp[up + x] + (2f * tmp[row + x]) + tmp[down + x]) * 0.25f;
            }
        }
    }
}
