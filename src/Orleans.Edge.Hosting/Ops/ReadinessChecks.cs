using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Edge.Grains;
using Orleans.Runtime;

namespace Orleans.Edge.Hosting.Ops;

/// <summary>Ready once this silo is an active member of its cluster.</summary>
internal sealed class SiloActiveCheck(ILocalSiloDetails silo, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var me = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(me == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} is active in {silo.ClusterId}")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {me} in {silo.ClusterId}"));
    }
}

/// <summary>
/// A store is ready when its local pipeline answers: the store grain lists its shelves within two
/// seconds. The uplink plays no part: a store with its link down keeps serving.
/// </summary>
internal sealed class LocalPipelineCheck(IGrainFactory grains, OpsStore ops) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var store = ops.StoreId;
        try
        {
            var shelves = await grains.GetGrain<IStoreGrain>(store).GetShelves().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"store {store} answers with {shelves.Count} shelves");
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy($"store {store} does not answer: {ex.Message}");
        }
    }
}

/// <summary>
/// The uplink sender of a tier with a parent: Degraded (still ready, HTTP 200) while it is stopped or
/// failing on this side (its outbox storage, say), Healthy otherwise, whether or not the link is
/// up: a child keeps serving offline, and its outbox keeps what it cannot send yet.
/// </summary>
internal sealed class UplinkSenderCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await grains.GetGrain<IUplinkStatusGrain>(0).GetStatus().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            if (status is null) return HealthCheckResult.Healthy("no uplink");
            if (!status.SenderRunning) return HealthCheckResult.Degraded($"uplink sender is not running; {status.QueuedEvents} events wait in the outbox");
            if (status.SenderFault is { } fault) return HealthCheckResult.Degraded($"uplink sender is failing on this side and retrying: {fault}");
            return HealthCheckResult.Healthy(status.Connected ? "uplink up" : $"uplink down ({status.LastError}); {status.QueuedEvents} events kept in the outbox");
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Degraded($"uplink status does not answer: {ex.Message}");
        }
    }
}
