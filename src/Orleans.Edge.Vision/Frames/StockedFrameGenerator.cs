namespace Orleans.Edge.Vision.Frames;

/// <summary>
/// A synthetic shelf camera whose slot contents are given by the caller (e.g. a simulator's shelf
/// stock) rather than drawn: every slot shows its planogram design, <c>units[s]</c> deep. Light,
/// camera pose, blur, noise and shoppers' arms come from the domain and the seed as in
/// <see cref="FrameGenerator"/>, so the same seed, index and units give the same frame.
/// Not thread-safe: one generator per thread.
/// </summary>
public sealed class StockedFrameGenerator
{
    private readonly ulong _seed;
    private readonly ShelfCamera _camera;
    private readonly ShelfScene _scene = new();
    private readonly FrameRenderer _renderer = new();

    /// <summary>A camera over <paramref name="camera"/>'s slots in <paramref name="domain"/>.</summary>
    public StockedFrameGenerator(CameraDomain domain, ulong seed, ShelfCamera camera)
    {
        Domain = domain ?? throw new ArgumentNullException(nameof(domain));
        ArgumentNullException.ThrowIfNull(camera);
        _camera = camera.Validated();
        _seed = seed;
    }

    /// <summary>The domain frames are rendered in.</summary>
    public CameraDomain Domain { get; }

    /// <summary>Units per full slot.</summary>
    public int Depth => _camera.Depth;

    /// <summary>Renders frame <paramref name="index"/> of a shelf holding <paramref name="units"/> per slot into <paramref name="rgb"/>; returns its truth.</summary>
    public SlotTruth[] GenerateInto(long index, ReadOnlySpan<int> units, Span<byte> rgb)
    {
        if (units.Length != ShelfVisionContract.Slots) throw new ArgumentException($"a shelf camera sees {ShelfVisionContract.Slots} slots", nameof(units));
        if (rgb.Length != ShelfVisionContract.FrameBytes) throw new ArgumentException($"a frame is {ShelfVisionContract.FrameBytes} bytes", nameof(rgb));
        var frameSeed = SplitMixRandom.Mix(_seed, (ulong)index);
        // Sample draws the arm (and contents we then replace): the arm's odds stay the domain's.
        _scene.Sample(_camera, new SplitMixRandom(SplitMixRandom.Mix(frameSeed, 1)), new SplitMixRandom(SplitMixRandom.Mix(frameSeed, 2)), Domain.OccluderRate);
        for (var s = 0; s < units.Length; s++)
        {
            if (units[s] < 0 || units[s] > _camera.Depth) throw new ArgumentOutOfRangeException(nameof(units), units[s], $"a slot holds 0..{_camera.Depth} units");
            _scene.Units[s] = units[s];
            _scene.Shown[s] = units[s] == 0 ? -1 : _scene.Expected[s];
        }
        var occluded = _renderer.Render(_scene, Domain, new SplitMixRandom(SplitMixRandom.Mix(frameSeed, 3)), rgb);
        var truth = new SlotTruth[ShelfVisionContract.Slots];
        for (var s = 0; s < truth.Length; s++)
        {
            var u = units[s];
            var fill = u == 0 ? SlotFill.Empty : u == _camera.Depth ? SlotFill.Full : SlotFill.Partial;
            truth[s] = new SlotTruth(s, fill, u, _scene.Expected[s], _scene.Shown[s], false, occluded[s]);
        }
        return truth;
    }
}
