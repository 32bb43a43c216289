using System.Text.Json;

namespace Orleans.Edge.Vision;

/// <summary>
/// Trained shelf models shipped inside this assembly, so a fresh store or demo has a real model
/// without a registry. See docs/vision-model.md for how each was built and how to rebuild it.
/// </summary>
public static class ShelfModels
{
    /// <summary>Registry version of the first model: trained on lab frames only.</summary>
    public const string V1Version = "shelf-v1";

    private const string V1Resource = "Orleans.Edge.Vision.Models.shelf-v1.onnx";
    private const string V1ReportResource = "Orleans.Edge.Vision.Models.shelf-v1.report.json";

    /// <summary>The ONNX bytes of <see cref="V1Version"/> (a new copy per call).</summary>
    public static byte[] V1Bytes() => Read(V1Resource);

    /// <summary>
    /// The manifest the registry would hold for v1: SHA-256 of the bytes, contract shapes, and the
    /// training report's accuracy per domain as metrics (<c>fill_accuracy/lab</c>, <c>design_accuracy/eu-s1</c>, …).
    /// </summary>
    public static ModelManifest V1Manifest()
    {
        return ModelManifest.ForShelfModel(V1Version, V1Bytes(), "fp32", Metrics(Read(V1ReportResource)));
    }

    private static Dictionary<string, double> Metrics(byte[] reportJson)
    {
        using var report = JsonDocument.Parse(reportJson);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var domain in report.RootElement.GetProperty("domains").EnumerateArray())
        {
            var name = domain.GetProperty("domain").GetString()!;
            foreach (var key in new[] { "fill_accuracy", "design_accuracy", "wrong_sku_accuracy" })
                metrics[$"{key}/{name}"] = domain.GetProperty(key).GetDouble();
        }
        return metrics;
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(ShelfModels).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource {resource} is missing from {typeof(ShelfModels).Assembly.GetName().Name}");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
