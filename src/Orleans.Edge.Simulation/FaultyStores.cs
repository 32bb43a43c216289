using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Edge.Simulation;

/// <summary>Makes the real outbox store and wraps it.</summary>
internal sealed class FaultyOutboxStoreFactory(OutboxStoreFactory inner, Faults faults) : IOutboxStoreFactory
{
    public IOutboxStore Create() => new FaultyOutboxStore(inner.Create(), faults);
}

/// <summary>An outbox store whose writes and trims fail on command; loads always work.</summary>
internal sealed class FaultyOutboxStore(IOutboxStore inner, Faults faults) : IOutboxStore
{
    public Task<OutboxSnapshot> LoadAsync(long newEpoch, CancellationToken cancellationToken = default) => inner.LoadAsync(newEpoch, cancellationToken);

    public Task WriteAsync(OutboxWrite write, CancellationToken cancellationToken = default)
    {
        faults.OutboxWrites.ThrowIfDue();
        return inner.WriteAsync(write, cancellationToken);
    }

    public Task RemoveThroughAsync(int lane, long sequence, CancellationToken cancellationToken = default)
    {
        faults.OutboxTrims.ThrowIfDue();
        return inner.RemoveThroughAsync(lane, sequence, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A grain storage whose writes and clears fail on command; reads always work.</summary>
internal sealed class FaultyGrainStorage(IGrainStorage inner, Faults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDue(stateName);
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDue(stateName);
        return inner.ClearStateAsync(stateName, grainId, grainState);
    }

    private void ThrowIfDue(string stateName)
    {
        if (faults.GrainWritesOf?.Invoke(stateName) ?? true) faults.GrainWrites.ThrowIfDue();
    }

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}

/// <summary>Fails enqueues into in-memory stream queues on command, as a full queue would.</summary>
internal sealed class StreamPublishFaultFilter(FaultSwitch faults) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceName.Contains("MemoryStreamQueueGrain", StringComparison.Ordinal) && context.MethodName == "Enqueue") faults.ThrowIfDue();
        return context.Invoke();
    }
}
