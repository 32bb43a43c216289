namespace Orleans.Edge.Vision.Frames;

/// <summary>
/// How one store's cameras see their shelves: lighting, mounting and sensor. A model trained in one
/// domain loses accuracy in another; that gap is what federated rounds at the stores close.
/// </summary>
/// <param name="Name">e.g. <c>lab</c> or the store id.</param>
/// <param name="Brightness">Overall light gain (1 = lab).</param>
/// <param name="Cast">Per-channel colour cast multipliers (1, 1, 1 = neutral).</param>
/// <param name="LightGradient">Left-to-right change of light across the frame (-0.3..0.3; 0 = even).</param>
/// <param name="RotationDegrees">Camera roll.</param>
/// <param name="Shear">Horizontal shear from a camera that looks at the shelf at an angle.</param>
/// <param name="Scale">Zoom (1 = the shelf section fills the frame exactly).</param>
/// <param name="OffsetX">Mounting offset, pixels (positive moves the shelf right).</param>
/// <param name="OffsetY">Mounting offset, pixels (positive moves the shelf down).</param>
/// <param name="BlurPasses">Passes of a [1 2 1]/4 blur (0 = sharp; each pass is a slightly defocused lens).</param>
/// <param name="NoiseSigma">Gaussian sensor noise, in 0..1 units.</param>
/// <param name="OccluderRate">Fraction of frames with a shopper's arm in front of the shelf.</param>
/// <param name="Jitter">Per-frame relative variation of light and of position (vibration, flicker).</param>
public sealed record CameraDomain(
    string Name,
    float Brightness,
    Rgb Cast,
    float LightGradient,
    float RotationDegrees,
    float Shear,
    float Scale,
    float OffsetX,
    float OffsetY,
    int BlurPasses,
    float NoiseSigma,
    float OccluderRate,
    float Jitter)
{
    /// <summary>The training lab: even neutral light, a square-on camera, a sharp lens, no shoppers.</summary>
    public static CameraDomain Lab { get; } = new(
        "lab", 1f, new Rgb(1f, 1f, 1f), 0f, 0f, 0f, 1f, 0f, 0f, 0, 0.01f, 0f, 0.02f);

    /// <summary>The domain of a store's cameras, derived deterministically from its id.</summary>
    public static CameraDomain ForStore(string storeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeId);
        var r = new SplitMixRandom(SplitMixRandom.Hash("camera-domain/" + storeId));
        return new CameraDomain(
            Name: storeId,
            Brightness: r.Range(0.6f, 1.3f),
            Cast: new Rgb(r.Range(0.8f, 1.2f), r.Range(0.85f, 1.15f), r.Range(0.8f, 1.2f)),
            LightGradient: r.Range(-0.3f, 0.3f),
            RotationDegrees: r.Range(-4f, 4f),
            Shear: r.Range(-0.06f, 0.06f),
            Scale: r.Range(0.94f, 1.06f),
            OffsetX: r.Range(-5f, 5f),
            OffsetY: r.Range(-3f, 3f),
            BlurPasses: r.Next(3),
            NoiseSigma: r.Range(0.02f, 0.07f),
            OccluderRate: r.Range(0.05f, 0.3f),
            Jitter: 0.05f);
    }
}
