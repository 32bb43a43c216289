namespace Orleans.Edge.Vision.Frames;

/// <summary>
/// A deterministic synthetic shelf camera. Frame <c>i</c> of a generator depends only on its seed,
/// its domain, its camera and <c>i</c>: the same inputs give byte-identical frames, in any order.
/// The shelf contents of frame <c>i</c> do not depend on the domain, so two domains with the same
/// seed show the same shelves under different cameras. Not thread-safe: one generator per thread.
/// </summary>
public sealed class FrameGenerator
{
    private readonly ulong _seed;
    private readonly ShelfCamera? _camera;
    private readonly ShelfScene _scene = new();
    private readonly FrameRenderer _renderer = new();

    /// <summary>A generator of frames.</summary>
    /// <param name="domain">The camera's domain (<see cref="CameraDomain.Lab"/> or <see cref="CameraDomain.ForStore"/>).</param>
    /// <param name="seed">Seed of the sequence.</param>
    /// <param name="camera">The camera's planogram; null draws a new planogram for every frame (training data).</param>
    public FrameGenerator(CameraDomain domain, ulong seed, ShelfCamera? camera = null)
    {
        Domain = domain ?? throw new ArgumentNullException(nameof(domain));
        _seed = seed;
        _camera = camera?.Validated();
    }

    /// <summary>The domain frames are rendered in.</summary>
    public CameraDomain Domain { get; }

    /// <summary>Frame <paramref name="index"/> of the sequence.</summary>
    public GeneratedFrame Generate(long index)
    {
        var rgb = new byte[ShelfVisionContract.FrameBytes];
        var truth = GenerateInto(index, rgb);
        return new GeneratedFrame(index, rgb, truth, _scene.Occluder is not null);
    }

    /// <summary>Renders frame <paramref name="index"/> into <paramref name="rgb"/> (no pixel allocation) and returns its truth.</summary>
    public SlotTruth[] GenerateInto(long index, Span<byte> rgb)
    {
        if (rgb.Length != ShelfVisionContract.FrameBytes)
            throw new ArgumentException($"a frame is {ShelfVisionContract.FrameBytes} bytes", nameof(rgb));
        var frameSeed = SplitMixRandom.Mix(_seed, (ulong)index);
        _scene.Sample(_camera, new SplitMixRandom(SplitMixRandom.Mix(frameSeed, 1)), new SplitMixRandom(SplitMixRandom.Mix(frameSeed, 2)), Domain.OccluderRate);
        var occluded = _renderer.Render(_scene, Domain, new SplitMixRandom(SplitMixRandom.Mix(frameSeed, 3)), rgb);

        var truth = new SlotTruth[ShelfVisionContract.Slots];
        for (var s = 0; s < truth.Length; s++)
        {
            var units = _scene.Units[s];
            var fill = units == 0 ? SlotFill.Empty : units == _scene.Depth ? SlotFill.Full : SlotFill.Partial;
            truth[s] = new SlotTruth(s, fill, units, _scene.Expected[s], _scene.Shown[s], units > 0 && _scene.Shown[s] != _scene.Expected[s], occluded[s]);
        }
        return truth;
    }
}
