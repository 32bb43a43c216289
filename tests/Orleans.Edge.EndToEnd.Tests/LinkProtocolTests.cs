using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Grpc.Core;
using Grpc.Net.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.TierLink;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests;

[Collection(FleetCollection.Name)]
public sealed class LinkProtocolTests(FleetFixture fx) : IDisposable
{
    private readonly ChildLinks _channel = new ChildLinks(fx.Region);

    private ChildLinks Link => _channel;

    private static Alert NewAlert(string store, string id) => new(id, new StoreId(store), new ShelfId("x1"), null, AlertType.LowStock,
        AlertState.Raised, 1, "sku", 1, 2, "low", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "system", 0);

    private static P.UpBatch Batch(string child, ulong epoch, params P.UpEvent[] events)
    {
        var batch = new P.UpBatch { ChildId = child, Epoch = epoch };
        batch.Events.AddRange(events);
        return batch;
    }

    private async Task<RegionStoreView?> RegionView(string store) =>
        (await fx.Region.Grains.GetGrain<IRegionAggregatorGrain>(fx.Region.Id).GetStores()).SingleOrDefault(s => s.StoreId == store);

    [Fact]
    public async Task ReplayedUpwardBatch_IsNotAppliedTwice()
    {
        const string store = "replay-store";
        var alert = NewAlert(store, "x1/LowStock/1");
        var first = LinkMapping.ToWire(store, 1, new AlertEvent(alert));
        var second = LinkMapping.ToWire(store, 2, new StoreStateEvent(new StoreId(store), new RegionId(fx.Region.Id), 0, 1, DateTimeOffset.UtcNow));
        var batch = Batch(store, 42, first, second);

        var ack1 = await Link.PushAsync(batch);
        var ack2 = await Link.PushAsync(batch);   // the ack was lost, say, and the child resends

        Assert.Equal((2ul, 2u, 0u), (ack1.AckedThrough, ack1.Appended, ack1.Duplicates));
        Assert.Equal((2ul, 0u, 2u), (ack2.AckedThrough, ack2.Appended, ack2.Duplicates));
        var view = await Eventually.Get(() => RegionView(store), v => v is { EventsReceived: 2 }, "both events at the region");
        Assert.Single(view!.OpenAlerts);
        await Eventually.Get(fx.CloudFleet.GetView, v => v.OpenAlerts.Any(a => a.StoreId.Value == store), "alert at the cloud");

        var overlap = await Link.PushAsync(Batch(store, 42, second,
            LinkMapping.ToWire(store, 3, new AlertEvent(alert with { State = AlertState.Resolved, Revision = 2 }))));
        Assert.Equal((3ul, 1u, 1u), (overlap.AckedThrough, overlap.Appended, overlap.Duplicates));
        await Eventually.Get(() => RegionView(store), v => v is { EventsReceived: 3 }, "third event at the region");
        await Eventually.Get(fx.CloudFleet.GetView, v => !v.OpenAlerts.Any(a => a.StoreId.Value == store), "resolved at the cloud");
        Assert.Equal(0, (await fx.CloudFleet.GetView()).DuplicateAlertRevisions);
        Assert.True(await fx.Region.Grains.GetGrain<ILinkInboxGrain>(store).GetDuplicatesDropped() >= 3);
    }

    [Fact]
    public async Task AlertsAndSummaries_AreNumberedAndAckedInLanesOfTheirOwn_SoAlertsCanGoFirst()
    {
        const string store = "lane-store";
        var now = DateTimeOffset.UtcNow;
        var summary = new ShelfSummaryEvent(new ShelfSummary(new StoreId(store), new ShelfId("x1"), "sku", now, now, 1, 2, 2, 10, 0, 0, 1));
        P.UpEvent Summary(long seq) => LinkMapping.ToWire(store, seq, summary);

        // After an outage the sender puts alerts first: priority #1 arrives before bulk #1..3.
        var first = await Link.PushAsync(Batch(store, 5, LinkMapping.ToWire(store, 1, new AlertEvent(NewAlert(store, "x1/LowStock/1"))), Summary(1), Summary(2)));
        var second = await Link.PushAsync(Batch(store, 5, Summary(2), Summary(3)));

        Assert.Equal((1ul, 2ul, 3u, 0u), (first.AckedThrough, first.BulkAckedThrough, first.Appended, first.Duplicates));
        Assert.Equal((1ul, 3ul, 1u, 1u), (second.AckedThrough, second.BulkAckedThrough, second.Appended, second.Duplicates));
        var view = await Eventually.Get(() => RegionView(store), v => v is { EventsReceived: 4 }, "all four events at the region");
        Assert.Single(view!.OpenAlerts);
    }

    [Fact]
    public async Task ForwardRepeatedByARegionAfterACrash_IsDroppedByTheStoresWatermark_AtTheCloud()
    {
        // A region that crashed after forwarding but before checkpointing replays its store's
        // event and forwards it again, under a new region sequence number.
        const string store = "refwd-store", region = "refwd-region";
        var alert = NewAlert(store, "x1/LowStock/1");
        var forward = new AlertEvent(alert) { Source = new AppliedMark(7, 12) };
        using var cloud = new ChildLinks(fx.Fleet.Cloud);
        var link = cloud;
        var before = await fx.CloudFleet.GetAlertStats();

        await link.PushAsync(Batch(region, 3, LinkMapping.ToWire(region, 1, forward)));
        var again = await link.PushAsync(Batch(region, 3, LinkMapping.ToWire(region, 2, forward)));
        var next = forward with { Alert = alert with { State = AlertState.Resolved, Revision = 2 }, Source = new AppliedMark(7, 13) };
        await link.PushAsync(Batch(region, 3, LinkMapping.ToWire(region, 3, next)));

        Assert.Equal((2ul, 1u, 0u), (again.AckedThrough, again.Appended, again.Duplicates));   // new to the link...
        var stats = await Eventually.Get(fx.CloudFleet.GetAlertStats, s => s.UniqueRevisions >= before.UniqueRevisions + 2, "both revisions at the cloud");
        Assert.Equal(before.ReplayedForwards + 1, stats.ReplayedForwards);                      // ...but not to the store's order
        Assert.Equal(before.UniqueAlertsRaised + 1, stats.UniqueAlertsRaised);
        Assert.Equal(before.DuplicateRevisions, stats.DuplicateRevisions);
    }

    [Fact]
    public async Task RestartedSender_WithNewEpoch_IsNotMistakenForDuplicates()
    {
        const string store = "epoch-store";
        var state = new StoreStateEvent(new StoreId(store), new RegionId(fx.Region.Id), 0, 1, DateTimeOffset.UtcNow);
        await Link.PushAsync(Batch(store, 1, LinkMapping.ToWire(store, 1, state), LinkMapping.ToWire(store, 2, state)));
        var restarted = await Link.PushAsync(Batch(store, 2, LinkMapping.ToWire(store, 1, state)));
        Assert.Equal((1ul, 1u, 0u), (restarted.AckedThrough, restarted.Appended, restarted.Duplicates));
        // A zombie of the old epoch is refused, not acked: an ack would let it drop what it holds.
        var stale = await Assert.ThrowsAsync<RpcException>(() => Link.PushAsync(Batch(store, 1, LinkMapping.ToWire(store, 3, state))).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Contains("older than epoch 2", stale.Status.Detail, StringComparison.Ordinal);
        await Eventually.Get(() => RegionView(store), v => v is { EventsReceived: 3 }, "three events at the region");
    }

    [Fact]
    public async Task EventsOfAnotherOrigin_AreRefused_AndNothingIsAppended()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Link.PushAsync(Batch("spoofer", 1,
            LinkMapping.ToWire("victim", 1, new AlertEvent(NewAlert("victim", "x1/LowStock/1"))))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("victim", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Null(await RegionView("victim"));
        Assert.Null(await RegionView("spoofer"));
    }

    [Fact]
    public async Task RawReadings_AndUnnumberedEvents_AreRefused()
    {
        var raw = new P.UpEvent { Origin = "raw-store", Sequence = 1, RawReading = new P.RawReading { SensorId = "s", Value = 1 } };
        var ex = await Assert.ThrowsAsync<RpcException>(() => Link.PushAsync(Batch("raw-store", 1, raw)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("raw readings", ex.Status.Detail, StringComparison.Ordinal);

        var unnumbered = LinkMapping.ToWire("raw-store", 1, new AlertEvent(NewAlert("raw-store", "x1/LowStock/1")));
        unnumbered.Sequence = 0;
        ex = await Assert.ThrowsAsync<RpcException>(() => Link.PushAsync(Batch("raw-store", 1, unnumbered)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Null(await RegionView("raw-store"));
    }

    [Fact]
    public async Task StoreOfAnotherRegion_CannotSubscribeToThisRegionsPolicies()
    {
        // Its certificate names region 'elsewhere': this region ends the handshake.
        using var stranger = Link.As(EdgeIdentity.Store("elsewhere", "s9")).Subscribe(new P.SubscribeRequest { ChildId = "s9", RegionId = "elsewhere", StoreId = "s9" });
        var refused = await Assert.ThrowsAsync<RpcException>(() => stranger.ResponseStream.MoveNext());
        ChildLinks.AssertHandshakeRefused(refused);
        // A store of this region asking for another region's scope is denied.
        using var call = Link.Subscribe(new P.SubscribeRequest { ChildId = "s9", RegionId = "elsewhere", StoreId = "s9" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    public void Dispose() => _channel.Dispose();
}
