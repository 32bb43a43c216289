using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// Reads the link and outbox of the silo it is activated on; stateless, so it is always local.
/// Where the silos of a cluster share the uplink, it asks the uplink's owner instead.
/// </summary>
[StatelessWorker]
public sealed class UplinkStatusGrain(IServiceProvider services) : Grain, IUplinkStatusGrain
{
    public Task<UplinkStatus?> GetStatus()
    {
        if (services.GetService<UplinkOwnership>() is not null)
            return GrainFactory.GetGrain<IUplinkOwnerGrain>(services.GetRequiredService<EdgeIdentity>().Origin).GetStatus();
        if (services.GetService<ParentLink>() is not { } link || services.GetService<IOutboxStatus>() is not { } outbox)
            return Task.FromResult<UplinkStatus?>(null);
        return Task.FromResult<UplinkStatus?>(Describe(link, outbox));
    }

    /// <summary>The status of <paramref name="link"/> over <paramref name="outbox"/>.</summary>
    public static UplinkStatus Describe(ParentLink link, IOutboxStatus outbox)
    {
        var s = link.Status;
        return new UplinkStatus(s.Connected, s.LastError, outbox.Count, outbox.Bytes, outbox.OldestEnqueuedAt,
            s.EventsSent, s.EventsAcked, s.Retries,
            outbox.Evicted.ToDictionary(e => $"{e.Key.Class}/{e.Key.Cause}", e => e.Value), s.PolicyVersionReceived,
            outbox.EventsNumbered, s.SenderRunning, s.LastFault, s.Parked, s.LastParked);
    }
}
