using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Events;
using Orleans.Hosting;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The uplink stream provider's queue is the tier link's outbox: a grain's
/// <c>OnNextAsync</c> on the uplink stream returns once the event has its sequence number and is
/// committed to the outbox, so an event a producer saw accepted survives a crash of the process.
/// The provider is write-only inside the cluster; the uplink sender is its only reader.
/// </summary>
public static class OutboxStreams
{
    /// <summary>
    /// Registers <paramref name="name"/> as a write-only stream provider over this silo's own
    /// <see cref="IOutbox"/> (one silo per cluster, or an embedded cluster).
    /// </summary>
    public static ISiloBuilder AddOutboxStreams(this ISiloBuilder silo, string name) =>
        silo.AddPersistentStreams(name, (sp, providerName) => new OutboxQueueAdapterFactory(
            () => new OutboxQueueAdapter(providerName, sp.GetRequiredService<IOutbox>())), _ => { });

    /// <summary>
    /// Registers <paramref name="name"/> as a write-only stream provider that hands events to the
    /// cluster's uplink owner grain, which commits them to the outbox the silos share (production
    /// profile, several silos on one Redis).
    /// </summary>
    public static ISiloBuilder AddSharedOutboxStreams(this ISiloBuilder silo, string name) =>
        silo.AddPersistentStreams(name, (sp, providerName) => new OutboxQueueAdapterFactory(
            () => new OwnerGrainQueueAdapter(providerName, sp.GetRequiredService<IGrainFactory>())), _ => { });
}

internal sealed class OutboxQueueAdapterFactory(Func<IQueueAdapter> create) : IQueueAdapterFactory
{
    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult(create());

    // Nothing below is used by a write-only provider: no pulling agents are started for it.
    public IQueueAdapterCache GetQueueAdapterCache() => throw new NotSupportedException(WriteOnly);

    public IStreamQueueMapper GetStreamQueueMapper() => throw new NotSupportedException(WriteOnly);

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => throw new NotSupportedException(WriteOnly);

    private const string WriteOnly = "The outbox stream provider is write-only; the uplink sender reads the outbox.";
}

/// <summary>
/// What both uplink adapters share: write-only, uplink namespace only, <see cref="UpEvent"/>s only.
/// Subclasses say where a batch of one origin's events goes.
/// </summary>
internal abstract class UplinkQueueAdapter(string name) : IQueueAdapter
{
    public string Name => name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.WriteOnly;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) =>
        throw new NotSupportedException("The outbox stream provider is write-only; the uplink sender reads the outbox.");

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        var ns = streamId.GetNamespace();
        if (ns != EdgeStreams.Uplink)
            throw new ArgumentException($"Stream provider '{name}' carries only the '{EdgeStreams.Uplink}' namespace, not '{ns}'.", nameof(streamId));
        var batch = events.Select(item => item as UpEvent
            ?? throw new ArgumentException($"The uplink stream carries {nameof(UpEvent)}s, not {item?.GetType().Name ?? "null"}.", nameof(events))).ToList();
        return AppendAsync(streamId.GetKeyAsString(), batch);
    }

    protected abstract Task AppendAsync(string origin, IReadOnlyList<UpEvent> events);
}

/// <summary>Shared uplink: hands events to the cluster's uplink owner, which commits them to the shared outbox.</summary>
internal sealed class OwnerGrainQueueAdapter(string name, IGrainFactory grains) : UplinkQueueAdapter(name)
{
    protected override Task AppendAsync(string origin, IReadOnlyList<UpEvent> events) =>
        grains.GetGrain<Orleans.Edge.Grains.IUplinkOwnerGrain>(origin).Append(events);
}

/// <summary>This silo's own outbox: each event is committed before the producer's call returns.</summary>
internal sealed class OutboxQueueAdapter(string name, IOutbox outbox) : UplinkQueueAdapter(name)
{
    protected override Task AppendAsync(string origin, IReadOnlyList<UpEvent> events) => outbox.AppendEventsAsync(origin, events);
}
