using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Shelves;

/// <summary>
/// Per slot, for how many camera frames in a row the model has called the same foreign packaging
/// design with enough confidence. A wrong product stays where it was put, so a real one shows in the
/// same slot as the same design frame after frame; a model misreading a store's camera (v1 reads
/// 17–52 % of designs right outside the lab) hops between slots and designs. Counting per slot and
/// design, rather than "some slot looked wrong", is what tells the two apart
/// (docs/benchmarks/vision-mismatch.md).
/// </summary>
public sealed class WrongSkuTracker
{
    private readonly int[] _design = Enumerable.Repeat(-1, ShelfVisionContract.Slots).ToArray();
    private readonly int[] _streak = new int[ShelfVisionContract.Slots];

    /// <summary>True when the latest frame showed a foreign design in any slot (even one not yet persistent).</summary>
    public bool SeenNow { get; private set; }

    /// <summary>
    /// Takes one frame's slots; returns a sentence naming a slot that has shown the same foreign design
    /// with at least <paramref name="confidence"/> on <paramref name="frames"/> frames in a row, else null.
    /// </summary>
    public string? Observe(IReadOnlyList<SlotEstimate> slots, string sku, double confidence, int frames)
    {
        ArgumentNullException.ThrowIfNull(slots);
        var expected = ShelfVisionContract.DesignOf(sku);
        string? detail = null;
        var seen = new bool[ShelfVisionContract.Slots];
        SeenNow = false;
        foreach (var slot in slots)
        {
            if (slot.Slot is < 0 or >= ShelfVisionContract.Slots) continue;
            if (slot.Fill == SlotFill.Empty || slot.Design == expected || slot.DesignConfidence < confidence) continue;
            var s = slot.Slot;
            seen[s] = true;
            SeenNow = true;
            _streak[s] = _design[s] == slot.Design ? _streak[s] + 1 : 1;
            _design[s] = slot.Design;
            if (detail is null && _streak[s] >= frames)
                detail = $"camera sees design {slot.Design} in slot {s} ({slot.DesignConfidence:P0} sure, {_streak[s]} frames in a row); {sku} is design {expected}";
        }
        for (var s = 0; s < seen.Length; s++)
        {
            if (seen[s]) continue;
            _streak[s] = 0;
            _design[s] = -1;
        }
        return detail;
    }

    /// <summary>Forgets every streak (e.g. a reading from a camera without a model).</summary>
    public void Reset()
    {
        Array.Fill(_design, -1);
        Array.Clear(_streak);
        SeenNow = false;
    }
}
