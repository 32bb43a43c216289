namespace Orleans.Edge.Domain;

/// <summary>What a shelf is meant to hold: one SKU, its unit weight, the empty shelf's weight and its capacity.</summary>
/// <param name="Sku">Stock-keeping unit on this shelf.</param>
/// <param name="UnitWeightGrams">Weight of one unit, in grams (&gt; 0).</param>
/// <param name="TareGrams">What the load cell reads with the shelf empty, in grams (≥ 0).</param>
/// <param name="CapacityUnits">How many units fill the shelf's facings (&gt; 0).</param>
[GenerateSerializer, Immutable]
public sealed record PlanogramEntry(
    [property: Id(0)] string Sku,
    [property: Id(1)] double UnitWeightGrams,
    [property: Id(2)] double TareGrams,
    [property: Id(3)] int CapacityUnits)
{
    /// <summary>Every problem with this entry; empty when it is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Sku)) problems.Add("planogram SKU is empty");
        if (!double.IsFinite(UnitWeightGrams) || UnitWeightGrams <= 0)
            problems.Add($"unit weight must be a positive number of grams, got {UnitWeightGrams}");
        if (!double.IsFinite(TareGrams) || TareGrams < 0)
            problems.Add($"tare must be zero or more grams, got {TareGrams}");
        if (CapacityUnits <= 0) problems.Add($"capacity must be at least 1 unit, got {CapacityUnits}");
        return problems;
    }

    /// <summary>The load-cell reading of a full shelf, in grams.</summary>
    public double FullWeightGrams => TareGrams + UnitWeightGrams * CapacityUnits;
}
