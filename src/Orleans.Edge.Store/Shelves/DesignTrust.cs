using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Shelves;

/// <summary>
/// Whether a model reads packaging designs well enough in this store for its wrong-SKU calls to
/// raise alerts, judged by the accuracy recorded in its manifest at registration. Shelf model v1
/// reads 99 % of designs in the lab but 17–52 % in the six stores it was measured on; there a
/// correctly stocked shelf got up to 279 false wrong-SKU Mismatch alerts per hour, or one that never
/// cleared, and requiring more frames in a row or more confidence did not fix it (the misreads are
/// systematic for a camera, not noise): docs/benchmarks/vision-mismatch.md.
/// </summary>
public static class DesignTrust
{
    private const string Key = "design_accuracy/";

    /// <summary>
    /// The design accuracy that counts for <paramref name="storeId"/>: the manifest's figure for this
    /// store when it has one; else the lowest it records for any store (not the lab), since a model
    /// that misreads the stores it was measured on is no better in one it was not; null when the
    /// manifest records none (e.g. a model fine-tuned here), which the caller treats as trusted.
    /// </summary>
    public static double? DesignAccuracy(ModelManifest? manifest, string storeId)
    {
        if (manifest?.Metrics is not { Count: > 0 } metrics) return null;
        if (metrics.TryGetValue(Key + storeId, out var own)) return own;
        double? lowest = null;
        foreach (var (name, value) in metrics)
        {
            if (!name.StartsWith(Key, StringComparison.Ordinal) || name == Key + "lab") continue;
            lowest = lowest is { } l ? Math.Min(l, value) : value;
        }
        return lowest;
    }

    /// <summary>True when wrong-SKU calls of the model may raise alerts in this store.</summary>
    public static bool Trusted(ModelManifest? manifest, string storeId, double minimum) =>
        DesignAccuracy(manifest, storeId) is not { } accuracy || accuracy >= minimum;
}
