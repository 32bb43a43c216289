using Orleans.Edge.Vision;

namespace Orleans.Edge.Grains;

/// <summary>What a store silo's camera inference is doing: the model serving, the machine, the figures.</summary>
/// <param name="ModelVersion">The model version serving in this silo, or null before the first model.</param>
/// <param name="ModelSha256">Its SHA-256, or null.</param>
/// <param name="Hardware">What the silo detected and chose (variant, threads, per-camera frame rate).</param>
/// <param name="Frames">Frames judged by this silo.</param>
/// <param name="Rejected">Frames refused by this silo.</param>
/// <param name="LastRefusedModel">The last model this silo refused and why, or null.</param>
[GenerateSerializer, Immutable]
public sealed record InferenceStatus(
    [property: Id(0)] string? ModelVersion,
    [property: Id(1)] string? ModelSha256,
    [property: Id(2)] HardwareCapabilities Hardware,
    [property: Id(3)] long Frames,
    [property: Id(4)] long Rejected,
    [property: Id(5)] ModelApplyResult? LastRefusedModel);

/// <summary>Reports the inference status of the silo it runs on; key: 0. Stateless, local to each silo.</summary>
[Alias("edge.inference-status")]
public interface IInferenceStatusGrain : IGrainWithIntegerKey
{
    /// <summary>This silo's inference status.</summary>
    [Alias("status"), StoreAppApi] Task<InferenceStatus> GetStatus();
}
