using Orleans.Edge.TierLink.Parent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Edge.Simulation;

/// <summary>
/// The failures a test (or the chaos drill) can switch on in one tier host: its outbox store's
/// writes, its grain storage's writes, and its publishes to in-memory streams. Install with
/// <see cref="FaultInjection.AddFaultInjection"/>.
/// </summary>
public sealed class Faults
{
    /// <summary>Writes (appends, evictions, parking) of the outbox store.</summary>
    public FaultSwitch OutboxWrites { get; } = new("an outbox store write");

    /// <summary>Trims of the outbox store (removing what the parent acked).</summary>
    public FaultSwitch OutboxTrims { get; } = new("an outbox store trim");

    /// <summary>Writes of the tier's grain state.</summary>
    public FaultSwitch GrainWrites { get; } = new("a grain state write");

    /// <summary>Which grain states <see cref="GrainWrites"/> may fail, by state name (e.g. "shelf", "store"); null: every one.</summary>
    public Func<string, bool>? GrainWritesOf { get; set; }

    /// <summary>Publishes to the tier's in-memory streams (the queue refusing an event, as when it is full).</summary>
    public FaultSwitch StreamPublishes { get; } = new("a stream publish");

    /// <summary>No more faults anywhere.</summary>
    public void HealAll()
    {
        OutboxWrites.Heal();
        OutboxTrims.Heal();
        GrainWrites.Heal();
        StreamPublishes.Heal();
    }
}

/// <summary>Wraps a host's outbox store, grain storage and stream queue so that <see cref="Faults"/> can fail them.</summary>
public static class FaultInjection
{
    /// <summary>
    /// Installs <paramref name="faults"/> in a tier host's services; call after the tier is added
    /// (e.g. from <c>TierSettings.ConfigureServices</c>), so it wraps what the tier registered.
    /// </summary>
    public static IServiceCollection AddFaultInjection(this IServiceCollection services, Faults faults)
    {
        if (services.Any(d => d.ServiceType == typeof(IOutboxStoreFactory)))
            services.AddSingleton<IOutboxStoreFactory>(sp => new FaultyOutboxStoreFactory(sp.GetRequiredService<OutboxStoreFactory>(), faults));
        var storage = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, EdgeNames.StateStore))
            ?? throw new InvalidOperationException($"no grain storage '{EdgeNames.StateStore}' to wrap: add the tier first");
        var inner = storage.KeyedImplementationFactory ?? throw new InvalidOperationException("the grain storage is not registered by a factory");
        services.Remove(storage);
        services.AddKeyedSingleton<IGrainStorage>(EdgeNames.StateStore, (sp, key) => new FaultyGrainStorage((IGrainStorage)inner(sp, key), faults));
        services.AddSingleton<IOutgoingGrainCallFilter>(new StreamPublishFaultFilter(faults.StreamPublishes));
        return services;
    }
}
