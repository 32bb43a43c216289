namespace Orleans.Edge.Vision;

/// <summary>
/// What a store's machine offers for inference and training, detected at start and reported up
/// as reported state, so the cloud can see which model variant and frame rate each store can serve.
/// </summary>
/// <param name="Cores">Logical processors the process may use.</param>
/// <param name="MemoryMb">Memory available to the process, in MiB.</param>
/// <param name="Simd">Vector instruction sets found, e.g. <c>avx2</c>, <c>avx512f</c>, <c>neon</c>.</param>
/// <param name="ExecutionProviders">ONNX Runtime execution providers usable here, e.g. <c>CPUExecutionProvider</c>.</param>
/// <param name="ModelVariant">The variant this store asks for (<c>fp32</c> or <c>int8</c>).</param>
/// <param name="IntraOpThreads">Threads one inference session may use.</param>
/// <param name="FrameHzPerCamera">The per-camera frame rate the store serves (lowered when it cannot keep up).</param>
/// <param name="CanTrain">Whether the store has the headroom to train locally (federated rounds).</param>
[GenerateSerializer, Immutable]
public sealed record HardwareCapabilities(
    [property: Id(0)] int Cores,
    [property: Id(1)] long MemoryMb,
    [property: Id(2)] IReadOnlyList<string> Simd,
    [property: Id(3)] IReadOnlyList<string> ExecutionProviders,
    [property: Id(4)] string ModelVariant,
    [property: Id(5)] int IntraOpThreads,
    [property: Id(6)] double FrameHzPerCamera,
    [property: Id(7)] bool CanTrain);

/// <summary>The store's current hardware capabilities; registered in a store silo's services.</summary>
public interface IHardwareCapabilitiesSource
{
    /// <summary>The latest capabilities (frame rate may change while the store runs).</summary>
    HardwareCapabilities Current { get; }

    /// <summary>Raised when <see cref="Current"/> changes (e.g. the frame rate was lowered).</summary>
    event Action<HardwareCapabilities>? Changed;
}
