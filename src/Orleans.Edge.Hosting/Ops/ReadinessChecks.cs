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
