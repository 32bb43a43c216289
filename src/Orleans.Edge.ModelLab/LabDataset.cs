using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.ModelLab;

/// <summary>
/// Frames of one domain kept as packed bytes (25 KB each) with per-slot labels; batches are
/// converted with <see cref="FrameTensor"/>, the same code the store runs.
/// </summary>
internal sealed class LabDataset
{
    /// <summary>Label for the SKU loss of an empty slot: cross-entropy ignores it.</summary>
    public const long IgnoreLabel = -100;

    private readonly byte[] _rgb;

    private LabDataset(int count, byte[] rgb, long[] fill, long[] sku, SlotTruth[][] truth)
    {
        Count = count;
        _rgb = rgb;
        Fill = fill;
        Sku = sku;
        Truth = truth;
    }

    public int Count { get; }
    public long[] Fill { get; }
    public long[] Sku { get; }
    public SlotTruth[][] Truth { get; }

    public ReadOnlySpan<byte> Frame(int i) => _rgb.AsSpan(i * ShelfVisionContract.FrameBytes, ShelfVisionContract.FrameBytes);

    /// <summary>Frames 0..count-1 of <paramref name="domain"/> with <paramref name="seed"/>; parallel, and still deterministic (frames are index-addressed).</summary>
    public static LabDataset Generate(CameraDomain domain, ulong seed, int count, int threads)
    {
        var rgb = new byte[(long)count * ShelfVisionContract.FrameBytes];
        var truth = new SlotTruth[count][];
        var chunk = (count + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var generator = new FrameGenerator(domain, seed);
            for (var i = t * chunk; i < Math.Min(count, (t + 1) * chunk); i++)
                truth[i] = generator.GenerateInto(i, rgb.AsSpan(i * ShelfVisionContract.FrameBytes, ShelfVisionContract.FrameBytes));
        });
        var slots = ShelfVisionContract.Slots;
        var fill = new long[count * slots];
        var sku = new long[count * slots];
        for (var i = 0; i < count; i++)
        {
            for (var s = 0; s < slots; s++)
            {
                fill[(i * slots) + s] = (long)truth[i][s].Fill;
                sku[(i * slots) + s] = truth[i][s].ShownDesign < 0 ? IgnoreLabel : truth[i][s].ShownDesign;
            }
        }
        return new LabDataset(count, rgb, fill, sku, truth);
    }

    /// <summary>Frames <paramref name="indices"/> as one CHW float batch.</summary>
    public float[] Batch(ReadOnlySpan<int> indices)
    {
        var batch = new float[indices.Length * FrameTensor.Length];
        for (var b = 0; b < indices.Length; b++) FrameTensor.ToChw(Frame(indices[b]), batch.AsSpan(b * FrameTensor.Length, FrameTensor.Length));
        return batch;
    }
}
