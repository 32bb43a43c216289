namespace Orleans.Edge.RetailDemo;

/// <summary>Nearest-rank percentiles of a sample.</summary>
public static class Percentiles
{
    /// <summary>The <paramref name="p"/>-th percentile (0..100), or null for an empty sample.</summary>
    public static double? Of(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)], 3);
    }

    /// <summary>p50, p95, p99 and max of <paramref name="sample"/>.</summary>
    public static Dictionary<string, double?> Summary(IEnumerable<double> sample, bool full = true)
    {
        var sorted = sample.Order().ToList();
        var result = new Dictionary<string, double?> { ["p50"] = Of(sorted, 50) };
        if (full) result["p95"] = Of(sorted, 95);
        result["p99"] = Of(sorted, 99);
        if (full) result["max"] = sorted.Count == 0 ? null : Math.Round(sorted[^1], 3);
        result["count"] = sorted.Count;
        return result;
    }
}
