namespace Orleans.Edge.Policies;

/// <summary>
/// When a shelf counts as low and how it summarises. The low-stock threshold is given either in
/// units or as a fraction of capacity (exactly one of the two).
/// </summary>
/// <param name="LowStockThresholdUnits">Low when units ≤ this.</param>
/// <param name="LowStockThresholdFraction">Low when units ≤ this × capacity.</param>
/// <param name="HysteresisUnits">A low-stock alert clears only once units reach threshold + this.</param>
/// <param name="SummaryWindow">Length of a shelf's summary window.</param>
/// <param name="MismatchToleranceFraction">Camera and weight may disagree by this fraction of capacity before a Mismatch alert.</param>
[GenerateSerializer, Immutable]
public sealed record ReplenishmentPolicy(
    [property: Id(0)] int? LowStockThresholdUnits,
    [property: Id(1)] double? LowStockThresholdFraction,
    [property: Id(2)] double HysteresisUnits,
    [property: Id(3)] TimeSpan SummaryWindow,
    [property: Id(4)] double MismatchToleranceFraction)
{
    /// <summary>Applies when no policy document reached the store yet.</summary>
    public static readonly ReplenishmentPolicy Default =
        new(null, 0.25, 2, TimeSpan.FromSeconds(30), 0.3);

    /// <summary>The low-stock threshold in units for a shelf of <paramref name="capacityUnits"/>.</summary>
    public double ThresholdFor(int capacityUnits) =>
        LowStockThresholdUnits ?? Math.Floor((LowStockThresholdFraction ?? 0) * capacityUnits);

    /// <summary>Every problem with this policy; empty when it is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (LowStockThresholdUnits is null == LowStockThresholdFraction is null)
            problems.Add("give exactly one of LowStockThresholdUnits and LowStockThresholdFraction");
        if (LowStockThresholdUnits is < 0)
            problems.Add($"LowStockThresholdUnits must be 0 or more, got {LowStockThresholdUnits}");
        if (LowStockThresholdFraction is { } f && (!double.IsFinite(f) || f < 0 || f > 1))
            problems.Add($"LowStockThresholdFraction must be within 0..1, got {f}");
        if (!double.IsFinite(HysteresisUnits) || HysteresisUnits < 0)
            problems.Add($"HysteresisUnits must be 0 or more, got {HysteresisUnits}");
        if (SummaryWindow < TimeSpan.FromSeconds(1) || SummaryWindow > TimeSpan.FromDays(1))
            problems.Add($"SummaryWindow must be between 1 s and 1 day, got {SummaryWindow}");
        if (!double.IsFinite(MismatchToleranceFraction) || MismatchToleranceFraction <= 0 || MismatchToleranceFraction > 1)
            problems.Add($"MismatchToleranceFraction must be within (0, 1], got {MismatchToleranceFraction}");
        return problems;
    }
}
