using Orleans.Concurrency;
using Orleans.Edge.Grains;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>Answers for the silo it runs on: each silo has its own model host.</summary>
[StatelessWorker(1)]
public sealed class InferenceStatusGrain(ModelHost host, IHardwareCapabilitiesSource hardware, InferenceMetrics metrics) : Grain, IInferenceStatusGrain
{
    public Task<InferenceStatus> GetStatus() => Task.FromResult(new InferenceStatus(
        host.CurrentVersion, host.CurrentManifest?.Sha256, hardware.Current, metrics.Frames, metrics.Rejected, host.LastRejection));
}
