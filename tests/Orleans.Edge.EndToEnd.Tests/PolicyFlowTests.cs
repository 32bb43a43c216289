using Orleans.Edge.Policies;

namespace Orleans.Edge.EndToEnd.Tests;

[Collection(FleetCollection.Name)]
public sealed class PolicyFlowTests(FleetFixture fx)
{
    [Fact]
    public async Task CloudPolicyChange_AltersStoreShelfThreshold_AndAppliedVersionShowsAtCloud()
    {
        var (shelf, cell) = await FleetFixture.NewShelf(fx.Store1, "e2e-policy");
        await FleetFixture.Put(fx.Store1, cell, 5);
        Assert.DoesNotContain(await fx.Store1.GetOpenAlertsAsync(), a => a.ShelfId == shelf);

        var region = fx.Region.Id;
        var result = await fx.Policies.SetPolicy(PolicyScope.ForShelf(region, fx.Store1.StoreId, shelf.Value),
            ReplenishmentPolicy.Default with { LowStockThresholdUnits = 6, LowStockThresholdFraction = null });
        Assert.Empty(result.Problems);
        var version = result.Document!.Version;

        var state = await Eventually.Get(() => fx.Store1.GetShelfAsync(shelf.Value), s => s.PolicyVersion == version, "policy at the shelf");
        Assert.Equal(6, state.ThresholdUnits);
        Assert.Contains(await fx.Store1.GetOpenAlertsAsync(), a => a.ShelfId == shelf);   // 5 units is low under the new policy

        var view = await Eventually.Get(fx.CloudFleet.GetView,
            v => v.Stores.Any(s => s.StoreId == fx.Store1.StoreId && s.AppliedPolicyVersion >= version), "applied version at the cloud");
        Assert.Equal(region, view.Stores.Single(s => s.StoreId == fx.Store1.StoreId).RegionId);
        // The other store was not targeted; it is not told of a shelf policy it does not have.
        var other = await fx.Store2.GetShelvesAsync();
        Assert.DoesNotContain(other, s => s.ShelfId == shelf);
    }

    [Fact]
    public async Task StoreBackAfterMissingManyChanges_GetsOnlyTheLatestPerScope_FromWhereItLeftOff()
    {
        // Five changes of one store's policy while the store "was away", then it subscribes again
        // from the version it had applied before: one document for that scope, the newest.
        var scope = new PolicyScope(ScopeLevel.Store, fx.Region.Id, "returning-store");
        var before = (await fx.Policies.GetAll()).Select(d => d.Version).DefaultIfEmpty(0).Max();
        long latest = 0;
        for (var units = 1; units <= 5; units++)
            latest = (await fx.Policies.SetPolicy(scope, ReplenishmentPolicy.Default with { LowStockThresholdUnits = units, LowStockThresholdFraction = null })).Document!.Version;
        await Eventually.Get(() => fx.Region.Grains.GetGrain<Grains.IRegionConfigGrain>(fx.Region.Id).GetNewer(before, fx.Region.Id, "returning-store"),
            docs => docs.Any(d => d.Version == latest), "the relay to hold the last change");

        using var channel = new ChildLinks(fx.Region);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = channel.Subscribe(new TierLink.Protocol.SubscribeRequest
        {
            ChildId = "returning-store", RegionId = fx.Region.Id, StoreId = "returning-store", AfterVersion = before,
        }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        var docs = call.ResponseStream.Current.Documents.Where(d => d.StoreId == "returning-store").ToList();

        var doc = Assert.Single(docs);
        Assert.Equal(latest, doc.Version);
        Assert.Equal(5, doc.Policy.LowStockThresholdUnits);
    }

    [Fact]
    public async Task InvalidPolicy_IsRefusedWithItsProblems_AndChangesNothing()
    {
        var before = await fx.Policies.GetAll();
        var result = await fx.Policies.SetPolicy(new PolicyScope(ScopeLevel.Store, fx.Region.Id),
            ReplenishmentPolicy.Default with { LowStockThresholdFraction = 2 });
        Assert.Null(result.Document);
        Assert.Contains(result.Problems, p => p.Contains("store id", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Contains("within 0..1", StringComparison.Ordinal));
        Assert.Equal(before.Count, (await fx.Policies.GetAll()).Count);
    }

    [Fact]
    public async Task PolicyDocumentAStoreRejected_ShowsInTheCloudFleetView_WithItsReason()
    {
        const string store = "rejecting-store";
        using var channel = new ChildLinks(fx.Region);
        var link = channel;
        var state = new Events.StoreStateEvent(new Domain.StoreId(store), new Domain.RegionId(fx.Region.Id), 6, 1, DateTimeOffset.UtcNow,
            RejectedPolicyVersion: 7, PolicyRejection: "store:r0/rejecting-store: HysteresisUnits must be 0 or more, got -2");
        var batch = new TierLink.Protocol.UpBatch { ChildId = store, Epoch = 1 };
        batch.Events.Add(TierLink.LinkMapping.ToWire(store, 1, state));
        await link.PushAsync(batch);

        var view = await Eventually.Get(fx.CloudFleet.GetView, v => v.Stores.Any(s => s.StoreId == store), "the store's state at the cloud");
        var entry = view.Stores.Single(s => s.StoreId == store);
        Assert.Equal((6L, 7L), (entry.AppliedPolicyVersion, entry.RejectedPolicyVersion));
        Assert.Equal(state.PolicyRejection, entry.PolicyRejection);
    }
}
