using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Shelves;

/// <summary>What a vision estimate says about a shelf: how full it looks, and (see <see cref="WrongSkuTracker"/> for whether a slot shows another product).</summary>
public static class VisionUnits
{
    /// <summary>
    /// The shelf's occupied fraction: each slot counts 0 when empty, ½ when partly stocked and 1
    /// when full, out of <see cref="ShelfVisionContract.Slots"/>; times capacity, that is units.
    /// </summary>
    public static double Fraction(IReadOnlyList<SlotEstimate> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        double sum = 0;
        foreach (var slot in slots) sum += slot.Fill switch { SlotFill.Full => 1, SlotFill.Partial => 0.5, _ => 0 };
        return Math.Clamp(sum / ShelfVisionContract.Slots, 0, 1);
    }
}
