using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Shelves;

/// <summary>Units on a shelf from weight, from camera occupancy, and fused.</summary>
/// <param name="Weight">From the load cell, if it reported.</param>
/// <param name="Camera">From a camera reading fresh enough to compare, if any.</param>
/// <param name="Fused">The shelf's estimate.</param>
public readonly record struct UnitEstimate(double? Weight, double? Camera, double? Fused)
{
    /// <summary>
    /// Weight is the better counter; the camera only nudges the estimate when both agree within
    /// <paramref name="toleranceUnits"/>. When they disagree, weight alone counts and a Mismatch
    /// alert tells staff to look.
    /// </summary>
    public static UnitEstimate From(PlanogramEntry planogram, double tareGrams, double? grams, double? occupancy, double toleranceUnits)
    {
        double? weight = grams is { } g
            ? Math.Round(Math.Clamp((g - tareGrams) / planogram.UnitWeightGrams, 0, planogram.CapacityUnits * 2.0), 2)
            : null;
        double? camera = occupancy is { } o ? Math.Round(o * planogram.CapacityUnits, 2) : null;
        double? fused = (weight, camera) switch
        {
            ({ } w, { } c) when Math.Abs(w - c) <= toleranceUnits => Math.Round(0.8 * w + 0.2 * c, 2),
            ({ } w, _) => w,
            (null, { } c) => c,
            _ => null,
        };
        return new UnitEstimate(weight, camera, fused);
    }
}
