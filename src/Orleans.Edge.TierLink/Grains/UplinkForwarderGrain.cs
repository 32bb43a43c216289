using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink.Outbox;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.Edge.TierLink.Grains;

/// <summary>
/// The uplink stream's subscriber: numbers each event in the origin's sequence by appending it to
/// the outbox, from where the uplink sender takes it to the parent. A single activation per
/// origin keeps the stream's order as the sequence order.
/// </summary>
[ImplicitStreamSubscription(EdgeStreams.Uplink)]
public sealed class UplinkForwarderGrain(IOutbox outbox) : Grain, IUplinkForwarderGrain, IStreamSubscriptionObserver
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var origin = this.GetPrimaryKeyString();
        var handle = handleFactory.Create<UpEvent>();
        await handle.ResumeAsync((e, _) => outbox.AppendAsync(e.Class, seq => LinkMapping.ToWire(seq, e, origin)).AsTask());
    }
}
