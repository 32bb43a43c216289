using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Runtime;

namespace Orleans.Edge.Store.Tests;

[Collection(PolicyClusterCollection.Name)]
public sealed class StorePolicyTests(StoreClusterFixture fx)
{
    private const string Region = StoreClusterFixture.RegionId;
    private const string StoreName = StoreClusterFixture.StoreId;

    private static PolicyDocument Doc(PolicyScope scope, long version, int thresholdUnits) =>
        new(scope, version, ReplenishmentPolicy.Default with { LowStockThresholdUnits = thresholdUnits, LowStockThresholdFraction = null }, DateTimeOffset.UtcNow);

    private Task Publish(params PolicyDocument[] docs) =>
        fx.Client.GetStreamProvider(EdgeNames.StreamProvider)
            .GetStream<ConfigUpdate>(StreamId.Create(EdgeStreams.StoreConfig, StoreName))
            .OnNextAsync(new ConfigUpdate(docs));

    [Fact]
    public async Task ShelfScopedPolicy_ArrivingOnConfigStream_ChangesThreshold_AndMostSpecificWins()
    {
        var shelf = await fx.NewShelfAsync("policy");
        var other = await fx.NewShelfAsync("policy-other");
        await shelf.Units(5);
        Assert.Empty(await shelf.OpenAlerts());   // default threshold: 25% of 10 = 2

        await Publish(Doc(PolicyScope.Global, 100, 3), Doc(PolicyScope.ForShelf(Region, StoreName, shelf.Id), 101, 6));

        var state = await Eventually.Get(shelf.State, s => s.PolicyVersion == 101, "shelf policy v101");
        Assert.Equal(6, state.ThresholdUnits);
        Assert.Equal(3, (await other.State()).ThresholdUnits);   // the global one, since no shelf policy names it
        Assert.Single(await shelf.OpenAlerts());   // 5 units is now low: re-evaluated on apply
        Assert.True(await fx.Client.GetGrain<IStoreConfigGrain>(StoreName).GetAppliedVersion() >= 101);

        var reported = await Eventually.Get(fx.UplinkEventsAsync,
            e => e.OfType<StoreStateEvent>().Any(s => s.AppliedPolicyVersion >= 101), "reported state upward");
        Assert.Contains(reported.OfType<StoreStateEvent>(), s => s.RegionId.Value == Region);
    }

    [Fact]
    public async Task ApplyingTheSameVersionTwice_IsANoOp_AndOlderVersionsAreIgnored()
    {
        var shelf = await fx.NewShelfAsync("policy-idem");
        var config = fx.Client.GetGrain<IStoreConfigGrain>(StoreName);
        var scope = PolicyScope.ForShelf(Region, StoreName, shelf.Id);
        await config.Apply([Doc(scope, 200, 4)]);
        await Eventually.Get(fx.UplinkEventsAsync, e => e.OfType<StoreStateEvent>().Any(s => s.AppliedPolicyVersion == 200), "report of v200");

        await config.Apply([Doc(scope, 200, 9)]);   // same version, other content: ignored
        await config.Apply([Doc(scope, 150, 9)]);   // older: ignored
        // A real change afterwards is the marker: any report the ignored ones made would come before its report.
        await config.Apply([Doc(PolicyScope.ForShelf(Region, StoreName, "some-other-shelf"), 201, 5)]);

        Assert.Equal(4, (await shelf.State()).ThresholdUnits);
        var events = await Eventually.Get(fx.UplinkEventsAsync, e => e.OfType<StoreStateEvent>().Any(s => s.AppliedPolicyVersion == 201), "report of v201");
        Assert.Single(events.OfType<StoreStateEvent>(), s => s.AppliedPolicyVersion == 200);
    }

    [Fact]
    public async Task PolicyForAnotherStore_DoesNotApply()
    {
        var shelf = await fx.NewShelfAsync("policy-foreign");
        var before = (await shelf.State()).ThresholdUnits;
        await fx.Client.GetGrain<IStoreConfigGrain>(StoreName).Apply([Doc(PolicyScope.ForStore(Region, "some-other-store"), 300, 9)]);
        Assert.Equal(before, (await shelf.State()).ThresholdUnits);
    }
}
