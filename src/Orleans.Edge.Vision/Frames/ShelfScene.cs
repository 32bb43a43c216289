namespace Orleans.Edge.Vision.Frames;

/// <summary>What stands on the shelf and in front of it for one frame, before the camera sees it.</summary>
internal sealed class ShelfScene
{
    private const float EmptyShare = 0.25f;
    private const float FullShare = 0.35f;
    private const float WrongSkuRate = 0.12f;

    public int Depth { get; private set; } = ShelfCamera.DefaultDepth;
    public int[] Units { get; } = new int[ShelfVisionContract.Slots];
    public int[] Expected { get; } = new int[ShelfVisionContract.Slots];
    public int[] Shown { get; } = new int[ShelfVisionContract.Slots];
    public Arm? Occluder { get; private set; }

    /// <summary>A shopper's arm: a capsule from a frame edge into the frame, in image pixels.</summary>
    internal readonly record struct Arm(float X0, float Y0, float X1, float Y1, float Radius, Rgb Skin, Rgb Sleeve);

    /// <summary>Draws slot contents from <paramref name="content"/> and the arm from <paramref name="people"/>.</summary>
    public void Sample(ShelfCamera? camera, SplitMixRandom content, SplitMixRandom people, float occluderRate)
    {
        Depth = camera?.Depth ?? ShelfCamera.DefaultDepth;
        for (var s = 0; s < Units.Length; s++)
        {
            Expected[s] = camera?.SlotDesigns[s] ?? content.Next(ShelfVisionContract.SkuDesigns);
            var roll = content.NextFloat();
            Units[s] = roll < EmptyShare ? 0
                : roll < EmptyShare + FullShare || Depth == 1 ? Depth
                : 1 + content.Next(Depth - 1);
            Shown[s] = Units[s] == 0 ? -1
                : content.Chance(WrongSkuRate) ? (Expected[s] + 1 + content.Next(ShelfVisionContract.SkuDesigns - 1)) % ShelfVisionContract.SkuDesigns
                : Expected[s];
        }
        Occluder = people.Chance(occluderRate) ? SampleArm(people) : null;
    }

    private static Arm SampleArm(SplitMixRandom r)
    {
        const float W = ShelfVisionContract.Width, H = ShelfVisionContract.Height;
        var side = r.Next(4); // 0, 1: from below; 2: from the left; 3: from the right
        float x0, y0;
        if (side < 2) (x0, y0) = (r.Range(0f, W), H + 4f);
        else (x0, y0) = (side == 2 ? -4f : W + 4f, r.Range(H * 0.3f, H));
        var x1 = r.Range(W * 0.15f, W * 0.85f);
        var y1 = r.Range(H * 0.15f, H * 0.7f);
        var tone = r.Range(0.55f, 1.05f);
        var skin = new Rgb(0.85f * tone, 0.64f * tone, 0.50f * tone);
        var sleeve = new Rgb(r.Range(0.1f, 0.8f), r.Range(0.1f, 0.8f), r.Range(0.1f, 0.8f));
        return new Arm(x0, y0, x1, y1, r.Range(4f, 7f), skin, sleeve);
    }
}
