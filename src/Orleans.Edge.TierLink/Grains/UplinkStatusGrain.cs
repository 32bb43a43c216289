using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink.Client;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Grains;

/// <summary>Reads the link and outbox of the silo it is activated on; stateless, so it is always local.</summary>
[StatelessWorker]
public sealed class UplinkStatusGrain(IServiceProvider services) : Grain, IUplinkStatusGrain
{
    public Task<UplinkStatus?> GetStatus()
    {
        if (services.GetService<ParentLink>() is not { } link || services.GetService<IOutbox>() is not { } outbox)
            return Task.FromResult<UplinkStatus?>(null);
        var s = link.Status;
        return Task.FromResult<UplinkStatus?>(new UplinkStatus(s.Connected, s.LastError, outbox.Count, outbox.Bytes, outbox.OldestEnqueuedAt,
            s.EventsSent, s.EventsAcked, s.Retries,
            outbox.Evicted.ToDictionary(e => $"{e.Key.Class}/{e.Key.Cause}", e => e.Value), s.PolicyVersionReceived,
            outbox.EventsNumbered));
    }
}
