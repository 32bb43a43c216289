using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Edge.TierLink.Child;
using Orleans.Runtime;

namespace Orleans.Edge.Hosting;

/// <summary>A store puts policies on its config stream; the store's config grain applies them.</summary>
public sealed class StoreDownlinkTarget(IClusterClient cluster, EdgeIdentity identity) : IDownlinkTarget
{
    /// <inheritdoc />
    public Task<long> GetAppliedVersionAsync(CancellationToken cancellationToken) =>
        cluster.GetGrain<IStoreConfigGrain>(identity.RequireStore()).GetResumeVersion();

    /// <inheritdoc />
    /// <remarks>Rejections travel in the same stream item as the documents, so the config grain sees both in order.</remarks>
    public Task ApplyAsync(IReadOnlyList<PolicyDocument> documents, IReadOnlyList<PolicyRejection> rejected, CancellationToken cancellationToken) =>
        cluster.GetStreamProvider(EdgeNames.StreamProvider)
            .GetStream<ConfigUpdate>(StreamId.Create(EdgeStreams.StoreConfig, identity.RequireStore()))
            .OnNextAsync(new ConfigUpdate(documents) { Rejected = rejected });

    /// <inheritdoc />
    public Task RefuseRevocationsAsync(PolicyRejection refusal, CancellationToken cancellationToken) =>
        cluster.GetGrain<IStoreConfigGrain>(identity.RequireStore()).RefuseDenyList(refusal);
}

/// <summary>A region keeps the cloud's policies in its relay grain, from where its stores get them.</summary>
public sealed class RegionDownlinkTarget(IClusterClient cluster, EdgeIdentity identity) : IDownlinkTarget
{
    /// <inheritdoc />
    public Task<long> GetAppliedVersionAsync(CancellationToken cancellationToken) =>
        cluster.GetGrain<IRegionConfigGrain>(identity.RequireRegion()).GetResumeVersion();

    /// <inheritdoc />
    public async Task ApplyAsync(IReadOnlyList<PolicyDocument> documents, IReadOnlyList<PolicyRejection> rejected, CancellationToken cancellationToken)
    {
        var relay = cluster.GetGrain<IRegionConfigGrain>(identity.RequireRegion());
        // Good documents first: a rejection recorded before them would move the resume point past them.
        if (documents.Count > 0) await relay.Apply(documents);
        if (rejected.Count > 0) await relay.Reject(rejected);
    }
}
