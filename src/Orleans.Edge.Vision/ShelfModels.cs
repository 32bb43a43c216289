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
    private const string V1Int8Resource = "Orleans.Edge.Vision.Models.shelf-v1-int8.onnx";
    private const string V1Int8ReportResource = "Orleans.Edge.Vision.Models.shelf-v1-int8.report.json";

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

    /// <summary>
    /// The int8 variant of v1 (a new copy per call): <c>ShelfModelOnnx.Write(ShelfModelWeights.FromOnnx(V1Bytes()), "int8")</c>,
    /// embedded (43 KB) rather than quantized at every store start, which costs 1.5–2 s of CPU on a
    /// 2-core store and would delay its first frame; a test checks the embedded bytes equal a rebuild.
    /// </summary>
    public static byte[] V1Int8Bytes() => Read(V1Int8Resource);

    /// <summary>The manifest of <see cref="V1Int8Bytes"/>: same version as v1, variant <c>int8</c>, its own accuracy per domain.</summary>
    public static ModelManifest V1Int8Manifest() =>
        ModelManifest.ForShelfModel(V1Version, V1Int8Bytes(), "int8", Metrics(Read(V1Int8ReportResource)));

    /// <summary>v1's bytes in <paramref name="variant"/> (<c>fp32</c> or <c>int8</c>).</summary>
    public static byte[] V1Bytes(string variant) => variant switch
    {
        "fp32" => V1Bytes(),
        "int8" => V1Int8Bytes(),
        _ => throw new ArgumentException($"shelf-v1 comes as fp32 or int8, not '{variant}'", nameof(variant)),
    };

    /// <summary>v1's manifest in <paramref name="variant"/> (<c>fp32</c> or <c>int8</c>).</summary>
    public static ModelManifest V1Manifest(string variant) => variant switch
    {
        "fp32" => V1Manifest(),
        "int8" => V1Int8Manifest(),
        _ => throw new ArgumentException($"shelf-v1 comes as fp32 or int8, not '{variant}'", nameof(variant)),
    };

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
