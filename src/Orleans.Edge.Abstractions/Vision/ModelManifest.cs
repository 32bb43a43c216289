namespace Orleans.Edge.Vision;

/// <summary>
/// A model version as the registry knows it. Artifacts are content-addressed: the SHA-256 of the
/// ONNX bytes names them on every link and in every cache, and is checked before use.
/// </summary>
/// <param name="Version">Registry version, e.g. <c>shelf-v1</c> (an <c>EdgeId</c>).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the ONNX file.</param>
/// <param name="SizeBytes">Length of the ONNX file.</param>
/// <param name="Variant">Numeric variant, e.g. <c>fp32</c> or <c>int8</c>.</param>
/// <param name="InputShape">Input shape with -1 for the batch dimension.</param>
/// <param name="FillShape">Fill output shape with -1 for the batch dimension.</param>
/// <param name="SkuShape">SKU output shape with -1 for the batch dimension.</param>
/// <param name="Metrics">Evaluation figures recorded at registration (e.g. accuracy per domain).</param>
[GenerateSerializer, Immutable]
public sealed record ModelManifest(
    [property: Id(0)] string Version,
    [property: Id(1)] string Sha256,
    [property: Id(2)] long SizeBytes,
    [property: Id(3)] string Variant,
    [property: Id(4)] int[] InputShape,
    [property: Id(5)] int[] FillShape,
    [property: Id(6)] int[] SkuShape,
    [property: Id(7)] IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>
    /// The manifest of a shelf model at hand: SHA-256 and size from <paramref name="onnx"/>, the
    /// contract's shapes (<see cref="ShelfVisionContract"/>), and <paramref name="metrics"/> (none if null).
    /// </summary>
    public static ModelManifest ForShelfModel(string version, ReadOnlySpan<byte> onnx, string variant = "fp32",
        IReadOnlyDictionary<string, double>? metrics = null) => new(
        version, Models.ArtifactNames.Sha256Of(onnx), onnx.Length, variant,
        ShelfVisionContract.InputShape(), ShelfVisionContract.FillShape(), ShelfVisionContract.SkuShape(),
        metrics ?? new Dictionary<string, double>());
}

/// <summary>Outcome of offering a model to a store.</summary>
/// <param name="Applied">True when the store now serves this version.</param>
/// <param name="Version">The version offered.</param>
/// <param name="Problem">Why it was rejected (hash, shape, load or warm-up failure); null when applied.</param>
[GenerateSerializer, Immutable]
public sealed record ModelApplyResult(
    [property: Id(0)] bool Applied,
    [property: Id(1)] string Version,
    [property: Id(2)] string? Problem);

/// <summary>
/// The store's model host: verifies, loads, warms up and hot-swaps a model. The delivery side
/// (assignment on the downlink, artifact fetch from the parent) calls it once the bytes are local.
/// </summary>
public interface IModelInstaller
{
    /// <summary>The version serving now, or null before the first model.</summary>
    string? CurrentVersion { get; }

    /// <summary>
    /// Installs <paramref name="onnx"/> as <paramref name="manifest"/>'s version. Never throws for
    /// a bad model: it returns the reason, and the previous model keeps serving.
    /// </summary>
    Task<ModelApplyResult> InstallAsync(ModelManifest manifest, ReadOnlyMemory<byte> onnx, CancellationToken cancellationToken);
}
