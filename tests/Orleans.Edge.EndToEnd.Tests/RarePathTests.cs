using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The failure paths a socket fault never reaches: a storage write, a trim or a publish that
/// fails, a parent that refuses an event for good, an inbound log that fills up. Each is switched
/// on with <see cref="Faults"/> in one cluster of a real fleet on loopback.
/// </summary>
public sealed class RarePathTests
{
    internal static async Task<(LocalFleet Fleet, Faults Faults)> StartAsync(string faulty, Action<IServiceCollection>? more = null,
        string? dataDirectory = null)
    {
        var faults = new Faults();
        var fleet = await LocalFleet.StartAsync(new LocalFleetOptions
        {
            Regions = 1, StoresPerRegion = 1, DataDirectory = dataDirectory,
            ConfigureServices = (id, services) =>
            {
                services.Configure<TierLinkServerOptions>(o => o.RepublishAfter = TimeSpan.FromSeconds(2));
                if (id != faulty) return;
                services.AddFaultInjection(faults);
                more?.Invoke(services);
            },
        });
        return (fleet, faults);
    }

    internal static async Task<FleetView> CloudHas(LocalFleet fleet, IReadOnlyCollection<string> alertIds, string what) =>
        await Eventually.Get(fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey).GetView,
            v => alertIds.All(id => v.OpenAlerts.Any(a => a.AlertId == id)), what, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task RegionForwardThatFails_IsAppliedWhenItComesAgain_SoTheAlertReachesTheCloud()
    {
        var (fleet, faults) = await StartAsync("r1");
        await using var _ = fleet;
        await using var client = await FleetFixture.Connect(fleet.Stores[0]);
        var (_, cell) = await FleetFixture.NewShelf(client, "fwd");
        await Eventually.Get(() => fleet.Regions[0].Grains.GetGrain<ILinkInboxGrain>(fleet.Stores[0].Id).GetPendingCount(), n => n == 0, "start-up traffic applied");

        faults.OutboxWrites.FailFor(TimeSpan.FromSeconds(2));
        await FleetFixture.Put(client, cell, 0);
        var ids = (await client.GetOpenAlertsAsync()).Select(a => a.AlertId).ToList();
        Assert.NotEmpty(ids);

        var view = await CloudHas(fleet, ids, "alerts whose first forward failed, at the cloud");
        Assert.True(faults.OutboxWrites.Injected > 0, "no forward failed: the test proved nothing");
        Assert.Equal(0, view.DuplicateAlertRevisions);
        await Eventually.Get(() => fleet.Regions[0].Grains.GetGrain<ILinkInboxGrain>(fleet.Stores[0].Id).GetPendingCount(), n => n == 0, "region inbound log confirmed");
        await fleet.StopAsync();
    }

    [Fact]
    public async Task InboundPublishThatFails_IsRetriedWhileTheHostRuns()
    {
        var (fleet, faults) = await StartAsync("r1");
        await using var _ = fleet;
        await using var client = await FleetFixture.Connect(fleet.Stores[0]);
        var (_, cell) = await FleetFixture.NewShelf(client, "pub");

        faults.StreamPublishes.FailNext(3);
        await FleetFixture.Put(client, cell, 0);
        var ids = (await client.GetOpenAlertsAsync()).Select(a => a.AlertId).ToList();

        await CloudHas(fleet, ids, "alerts whose inbound publish failed, at the cloud");
        Assert.Equal(3, faults.StreamPublishes.Injected);
        await fleet.StopAsync();
    }

    /// <summary>
    /// A shelf saves an alert change, sends it up, tells the store's index and clears its mark; a
    /// grain write failing after the send (the store index's, or the shelf's clearing write) must
    /// not make the shelf send the same revision up again.
    /// </summary>
    [Theory]
    [InlineData("store", 1)]   // the store index's write of the change fails
    [InlineData("shelf", 2)]   // the shelf's second write, clearing the mark once published, fails
    public async Task GrainWriteThatFailsAfterTheAlertWentUp_DoesNotSendItAgain_AndTheStoreIndexGetsIt(string stateName, int nth)
    {
        var (fleet, faults) = await StartAsync("r1-s1");
        await using var _ = fleet;
        var store = fleet.Stores[0];
        await using var client = await FleetFixture.Connect(store);
        var (_, cell) = await FleetFixture.NewShelf(client, "gw");
        var (_, marker) = await FleetFixture.NewShelf(client, "marker");

        var writes = 0;
        faults.GrainWritesOf = name => name == stateName && Interlocked.Increment(ref writes) == nth;
        faults.GrainWrites.FailNext(1);
        await FleetFixture.Put(client, cell, 0);
        await FleetFixture.Put(client, cell, 0);   // a later reading, which a new activation of the shelf would take
        Assert.Equal(1, faults.GrainWrites.Injected);

        var shelf = store.Grains.GetGrain<IShelfGrain>("gw");
        var raised = (await shelf.GetState())!.OpenAlerts.Select(a => a.AlertId).ToList();
        Assert.NotEmpty(raised);
        await Eventually.Get(() => client.GetOpenAlertsAsync(), open => raised.All(id => open.Any(a => a.AlertId == id)), "the store index has the alerts");
        await CloudHas(fleet, raised, "the alerts at the cloud");
        // Alerts travel in order: once a later one is at the cloud, a repeated send of the earlier ones would be too.
        await FleetFixture.Put(client, marker, 0);
        var later = (await client.GetOpenAlertsAsync()).Where(a => a.ShelfId.Value == "marker").Select(a => a.AlertId).ToList();
        var view = await CloudHas(fleet, later, "a later alert at the cloud");
        Assert.Equal(0, view.DuplicateAlertRevisions);
        Assert.Equal(0, (await fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey).GetAlertStats()).ReplayedForwards);
        await fleet.StopAsync();
    }

    [Fact]
    public async Task OutboxTrimThatFails_DoesNotStopTheSender_AndIsShown()
    {
        var (fleet, faults) = await StartAsync("r1-s1");
        await using var _ = fleet;
        var store = fleet.Stores[0];
        await using var client = await FleetFixture.Connect(store);
        var (_, cell) = await FleetFixture.NewShelf(client, "trim");

        faults.OutboxTrims.FailNext(2);
        await FleetFixture.Put(client, cell, 0);
        var ids = (await client.GetOpenAlertsAsync()).Select(a => a.AlertId).ToList();

        await Eventually.Get(() => Task.FromResult(store.Uplink!.Status.Faults), n => n >= 1, "the failed trim counted as a fault of this side");
        var view = await CloudHas(fleet, ids, "alerts at the cloud after failed trims");
        var status = await Eventually.Get(() => client.GetUplinkStatusAsync(), s => s.QueuedEvents == 0 && s.SenderFault is null, "outbox trimmed after the faults");
        Assert.True(status.SenderRunning);
        Assert.Equal(0, view.DuplicateAlertRevisions);
        Assert.Equal(2, faults.OutboxTrims.Injected);
        Assert.True(store.IsRunning);
        await fleet.StopAsync();
    }

    [Fact]
    public async Task EventTheParentRefusesForGood_IsParked_AndTheLaneGoesOn()
    {
        var (fleet, _) = await StartAsync("r1", services => services.Configure<TierLinkServerOptions>(o => o.MaxEventBytes = 160));
        await using var __ = fleet;
        var store = fleet.Stores[0];
        await using var client = await FleetFixture.Connect(store);
        var (_, first) = await FleetFixture.NewShelf(client, "big");
        await FleetFixture.Put(client, first, 0);
        var alert = (await client.GetOpenAlertsAsync()).First();
        await CloudHas(fleet, [alert.AlertId], "the first alert at the cloud");

        // A long (but valid) acknowledger name makes this revision larger than the region takes.
        await client.AcknowledgeAsync(alert.AlertId, new string('n', ActorName.MaxLength));
        var (_, second) = await FleetFixture.NewShelf(client, "after");
        await FleetFixture.Put(client, second, 0);
        var later = (await client.GetOpenAlertsAsync()).Where(a => a.ShelfId.Value == "after").Select(a => a.AlertId).ToList();

        await CloudHas(fleet, later, "alerts behind the refused one, at the cloud");
        var status = await Eventually.Get(() => client.GetUplinkStatusAsync(), s => s.Parked == 1 && s.QueuedEvents == 0, "the refused revision parked, the rest sent");
        Assert.Contains("InvalidArgument", status.LastParked, StringComparison.Ordinal);
        Assert.Equal(1, status.Evicted.GetValueOrDefault("Alert/Parked"));
        await fleet.StopAsync();
    }

    [Fact]
    public async Task OversizedActorName_IsRefusedAtTheStore_AndChangesNothing()
    {
        var (fleet, _) = await StartAsync("none");
        await using var __ = fleet;
        await using var client = await FleetFixture.Connect(fleet.Stores[0]);
        var (_, cell) = await FleetFixture.NewShelf(client, "name");
        await FleetFixture.Put(client, cell, 0);
        var alert = (await client.GetOpenAlertsAsync()).First();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.AcknowledgeAsync(alert.AlertId, new string('x', 17_000_000)));
        Assert.Contains("at most 128", error.Message, StringComparison.Ordinal);
        // The SDK refuses it before any call: an unknown alert id would otherwise be its answer.
        await Assert.ThrowsAsync<ArgumentException>(() => client.AcknowledgeAsync("not-an-alert", new string('x', 1000)));
        var shelf = fleet.Stores[0].Grains.GetGrain<IShelfGrain>(alert.ShelfId.Value);
        await Assert.ThrowsAsync<ArgumentException>(() => shelf.Acknowledge(alert.AlertId, new string('x', 1000)));   // a caller that skips the SDK
        Assert.Equal(AlertState.Raised, (await client.GetOpenAlertsAsync()).Single(a => a.AlertId == alert.AlertId).State);
        await fleet.StopAsync();
    }

    [Fact]
    public async Task FullInboundLog_RefusesTheRest_WhichArrivesLater_AndARegionRestartedWithABacklogStarts()
    {
        var data = Directory.CreateTempSubdirectory("edge-backlog-").FullName;
        var (fleet, faults) = await StartAsync("r1", services => services.Configure<TierLinkServerOptions>(o => o.MaxHeldEvents = 100), data);
        await using var _ = fleet;
        const string origin = "flood-store";
        // The region's inbound log cannot publish, so its consumer confirms nothing and the log fills.
        faults.StreamPublishes.FailFor(TimeSpan.FromSeconds(30));
        var events = Enumerable.Range(1, 300).Select(i => LinkMapping.ToWire(origin, i,
            new StoreStateEvent(new StoreId(origin), new RegionId("r1"), i, 1, DateTimeOffset.UtcNow))).ToArray();
        var batch = new P.UpBatch { ChildId = origin, Epoch = 7 };
        batch.Events.AddRange(events);
        using (var channel = new ChildLinks(fleet.Regions[0]))
        {
            var ack = await channel.PushAsync(batch);
            Assert.Equal(100UL, ack.AckedThrough);   // the bound, not the batch
            var rest = new P.UpBatch { ChildId = origin, Epoch = 7 };
            rest.Events.AddRange(events.Skip(100));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await channel.PushAsync(rest));
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        }

        // Crash with the backlog held; the next life starts at once and works it off.
        await fleet.CrashAsync("r1");
        faults.HealAll();
        var region = await fleet.RestartAsync("r1");
        using (var channel = new ChildLinks(region))
        {
            var rest = new P.UpBatch { ChildId = origin, Epoch = 7 };
            rest.Events.AddRange(events.Skip(100));
            var acked = await Eventually.Get(async () =>
            {
                try { return (await channel.PushAsync(rest)).AckedThrough; }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable) { return 0UL; }
            }, a => a == 300, "the refused events taken once there was room", TimeSpan.FromSeconds(30));
            Assert.Equal(300UL, acked);
        }
        var view = await Eventually.Get(async () => (await region.Grains.GetGrain<IRegionAggregatorGrain>("r1").GetStores()).SingleOrDefault(s => s.StoreId == origin),
            s => s?.EventsReceived == 300, "all 300 events applied once", TimeSpan.FromSeconds(30));
        Assert.Equal(300, view!.AppliedPolicyVersion);
        await Eventually.Get(() => region.Grains.GetGrain<ILinkInboxGrain>(origin).GetPendingCount(), n => n == 0, "the backlog confirmed");
        await fleet.StopAsync();
    }

    [Fact]
    public async Task OverlongBatchOrOversizedEvent_IsRefusedWhole_WithAReason_AndChangesNothing()
    {
        var (fleet, _) = await StartAsync("none");
        await using var __ = fleet;
        const string origin = "liar-store";
        using var channel = new ChildLinks(fleet.Regions[0]);
        var link = channel;
        P.UpEvent State(long i) => LinkMapping.ToWire(origin, i, new StoreStateEvent(new StoreId(origin), new RegionId("r1"), i, 1, DateTimeOffset.UtcNow));

        var tooMany = new P.UpBatch { ChildId = origin, Epoch = 1 };
        tooMany.Events.AddRange(Enumerable.Range(1, 10_001).Select(i => State(i)));
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await link.PushAsync(tooMany));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("at most 10000", refused.Status.Detail, StringComparison.Ordinal);

        var huge = State(1);
        huge.StoreState.StoreId = new string('s', 600 * 1024);
        var oversized = new P.UpBatch { ChildId = origin, Epoch = 1 };
        oversized.Events.Add(huge);
        refused = await Assert.ThrowsAsync<RpcException>(async () => await link.PushAsync(oversized));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains($"{origin}#1", refused.Status.Detail, StringComparison.Ordinal);

        Assert.Equal(0, await fleet.Regions[0].Grains.GetGrain<ILinkInboxGrain>(origin).GetAccepted());
        await fleet.StopAsync();
    }

    [Fact]
    public async Task InboundLogThatCrashesBetweenSegmentAndIndex_KeepsTheEvent_AndKnowsTheResendIsADuplicate()
    {
        var (fleet, faults) = await StartAsync("r1");
        await using var _ = fleet;
        const string origin = "torn-store";
        var region = fleet.Regions[0];
        using var channel = new ChildLinks(region);
        var link = channel;
        P.UpBatch Batch(long sequence)
        {
            var batch = new P.UpBatch { ChildId = origin, Epoch = 3 };
            batch.Events.Add(LinkMapping.ToWire(origin, sequence, new StoreStateEvent(new StoreId(origin), new RegionId("r1"), sequence, 1, DateTimeOffset.UtcNow)));
            return batch;
        }
        var inbox = region.Grains.GetGrain<ILinkInboxGrain>(origin);
        await link.PushAsync(Batch(1));
        await Eventually.Get(inbox.GetPendingCount, n => n == 0, "the first event confirmed, so the log's index is empty");
        // Past a few retry periods, so the empty log has stopped its publish timer: the torn append
        // below must start it again, or the event it kept would wait for the next append.
        await Task.Delay(TimeSpan.FromSeconds(3));

        // The segment is written, the index is not: as if the region died between the two writes.
        faults.GrainWrites.SkipThenFail(1, 1);
        await Assert.ThrowsAsync<RpcException>(async () => await link.PushAsync(Batch(2)));
        var ack = await link.PushAsync(Batch(2));   // the child resends what was not acked

        Assert.Equal(2UL, ack.AckedThrough);
        Assert.Equal(1U, ack.Duplicates);   // the log found the event in its segment
        Assert.Equal(2, await inbox.GetAccepted());
        var view = await Eventually.Get(async () => (await region.Grains.GetGrain<IRegionAggregatorGrain>("r1").GetStores()).SingleOrDefault(s => s.StoreId == origin),
            // Any grain write of the region may take the injected fault (the aggregator's too); then the
            // log republishes what was not confirmed, after RepublishAfter (2 s here).
            s => s?.EventsReceived == 2, "both events applied once", TimeSpan.FromSeconds(20));
        Assert.Equal(2, view!.AppliedPolicyVersion);
        await fleet.StopAsync();
    }

    [Fact]
    public async Task EventsSentCountsOnlyWhatTheParentAnswered_RetriesIntoADeadLinkAreAttempts()
    {
        await using var fleet = await LocalFleet.StartAsync(new LocalFleetOptions
        {
            Regions = 1, StoresPerRegion = 1, FaultProxies = true, ConfigureStoreLinks = o => o.PushTimeout = TimeSpan.FromMilliseconds(500),
        });
        var store = fleet.Stores[0];
        await using var client = await FleetFixture.Connect(store);
        var (_, cell) = await FleetFixture.NewShelf(client, "sent");
        var status = store.Uplink!.Status;
        await Eventually.Get(() => Task.FromResult(store.Outbox!.Count), n => n == 0, "start-up traffic acked");
        var (sent, attempted, retries) = (status.EventsSent, status.EventsAttempted, status.Retries);

        fleet.LinkOf(store.Id)!.Blackhole();   // writes go out, no ack ever comes back
        await FleetFixture.Put(client, cell, 0);
        // Each push ends at its deadline (0.5 s plus its bytes' time at the slowest link rate) plus
        // backoff, well before keepalive would notice the dead connection (10 s delay + 5 s timeout).
        await Eventually.Get(() => Task.FromResult(status.Retries), n => n >= retries + 3, "three sends into the dead link", TimeSpan.FromSeconds(12));
        Assert.Contains("push deadline", status.LastError, StringComparison.Ordinal);
        Assert.Equal(sent, status.EventsSent);
        Assert.True(status.EventsAttempted > attempted, "the sends into the dead link are attempts");

        fleet.LinkOf(store.Id)!.Restore();
        await Eventually.Get(() => Task.FromResult(store.Outbox!.Count), n => n == 0, "the alerts acked once the link is back", TimeSpan.FromSeconds(20));
        Assert.True(status.EventsSent > sent);
        await fleet.StopAsync();
    }
}
