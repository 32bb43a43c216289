using Orleans.Edge.Models;
using Orleans.Edge.TierLink.Child;

namespace Orleans.Edge.Hosting.Models;

/// <summary>A store records model assignments in its model grain, from which each silo's model agent installs them.</summary>
public sealed class StoreModelTarget(IClusterClient cluster, EdgeIdentity identity) : IModelDownlinkTarget
{
    /// <inheritdoc />
    public async Task<long> GetModelVersionAsync(CancellationToken cancellationToken) =>
        (await cluster.GetGrain<IStoreModelGrain>(identity.RequireStore()).GetStatus()).AssignmentVersion;

    /// <inheritdoc />
    public Task ApplyModelsAsync(IReadOnlyList<ModelAssignment> assignments, CancellationToken cancellationToken) =>
        cluster.GetGrain<IStoreModelGrain>(identity.RequireStore()).Apply(assignments);

    /// <inheritdoc />
    /// <remarks>The latest refusal is what the store reports (model_rejection).</remarks>
    public Task RejectModelsAsync(IReadOnlyList<(ModelAssignment Assignment, Orleans.Edge.Policies.PolicyRejection Rejection)> rejected, CancellationToken cancellationToken) =>
        cluster.GetGrain<IStoreModelGrain>(identity.RequireStore()).Refuse(rejected[^1].Rejection, rejected[^1].Assignment.Manifest.Version);
}

/// <summary>A region keeps the cloud's model assignments in its relay grain, from where its stores get them.</summary>
public sealed class RegionModelTarget(IClusterClient cluster, EdgeIdentity identity) : IModelDownlinkTarget
{
    /// <inheritdoc />
    public Task<long> GetModelVersionAsync(CancellationToken cancellationToken) =>
        cluster.GetGrain<IRegionModelRelayGrain>(identity.RequireRegion()).GetMaxVersion();

    /// <inheritdoc />
    public Task ApplyModelsAsync(IReadOnlyList<ModelAssignment> assignments, CancellationToken cancellationToken) =>
        cluster.GetGrain<IRegionModelRelayGrain>(identity.RequireRegion()).Apply(assignments);

    /// <inheritdoc />
    /// <remarks>A region has no model state to report upward: the gate's counter and log are the report; nothing is relayed.</remarks>
    public Task RejectModelsAsync(IReadOnlyList<(ModelAssignment Assignment, Orleans.Edge.Policies.PolicyRejection Rejection)> rejected, CancellationToken cancellationToken) => Task.CompletedTask;
}
