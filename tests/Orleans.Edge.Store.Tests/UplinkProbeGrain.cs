using Orleans.Edge.Events;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.Store.Tests;

public interface IUplinkProbeGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<UpEvent>> GetEvents();
}

/// <summary>
/// Stands in for the tier link's sender: reads what the store (the grain's key) committed to the
/// silo's outbox through the uplink stream provider, decoded as the parent would decode it.
/// </summary>
public sealed class UplinkProbeGrain(IOutbox outbox) : Grain, IUplinkProbeGrain
{
    public Task<IReadOnlyList<UpEvent>> GetEvents() =>
        Task.FromResult<IReadOnlyList<UpEvent>>([.. outbox.Peek(int.MaxValue).Select(e => LinkMapping.FromWire(e.Message, this.GetPrimaryKeyString()))]);
}
