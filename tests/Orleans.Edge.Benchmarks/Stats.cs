namespace Orleans.Edge.Benchmarks;

/// <summary>Nearest-rank percentiles and the rounding the reports use.</summary>
public static class Stats
{
    /// <summary>The nearest-rank <paramref name="p"/>th percentile (0–100) of <paramref name="values"/>; 0 when there are none.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Milliseconds to three decimals.</summary>
    public static double Round(double value) => Math.Round(value, 3);
}
