using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class DurabilityTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-store-").FullName;

    private StoreTierSettings StoreSettings(int regionLinkPort) => new()
    {
        StoreId = "durable-store", RegionId = "rd", ParentAddress = new Uri($"http://127.0.0.1:{regionLinkPort}"),
        SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), DataDirectory = _dataDir, ConfigureServices = DevelopmentSigning.Shared.For(cloud: false),
    };

    [Fact]
    public async Task StoreRestart_KeepsShelvesAlertsAndQueuedEvents_WhichReachTheCloudOnce()
    {
        var regionLinkPort = FreePorts.Next();
        string[] alertIds;

        // First life: the region is not there; alerts wait in the store's SQLite outbox.
        await using (var store = EdgeTierHost.CreateStore(StoreSettings(regionLinkPort)))
        {
            await store.StartAsync();
            await using var client = await FleetFixture.Connect(store);
            var (_, cell) = await FleetFixture.NewShelf(client, "durable-shelf");
            await FleetFixture.Put(client, cell, 0);
            alertIds = [.. (await client.GetOpenAlertsAsync()).Select(a => a.AlertId)];
            Assert.Equal(2, alertIds.Length);
            await Eventually.Get(() => Task.FromResult(store.Outbox!.Count), n => n >= 3, "alerts and state in the outbox");
            await store.StopAsync();
        }

        // Region and cloud come up; the store restarts on the same data directory.
        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings { SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), ConfigureServices = DevelopmentSigning.Shared.For(cloud: true) });
        await cloud.StartAsync();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "rd", ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = regionLinkPort,
            ConfigureServices = DevelopmentSigning.Shared.For(cloud: false),
        });
        await region.StartAsync();
        await using var restarted = EdgeTierHost.CreateStore(StoreSettings(regionLinkPort));
        await restarted.StartAsync();
        await using (var client = await FleetFixture.Connect(restarted))
        {
            Assert.Equal(500, (await client.GetShelfAsync("durable-shelf")).Planogram.TareGrams);
            Assert.Equal(alertIds.Order(), (await client.GetOpenAlertsAsync()).Select(a => a.AlertId).Order());
        }

        var fleet = cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView, v => alertIds.All(id => v.OpenAlerts.Any(a => a.AlertId == id)), "queued alerts at the cloud", TimeSpan.FromSeconds(20));
        Assert.Equal(2, view.OpenAlerts.Count(a => a.StoreId.Value == "durable-store"));
        Assert.Equal(0, view.DuplicateAlertRevisions);
        await Eventually.Get(() => Task.FromResult(restarted.Outbox!.Count), n => n == 0, "outbox drained");

        await restarted.StopAsync();
        await region.StopAsync();
        await cloud.StopAsync();
    }

    [Fact]
    public async Task RegionRestart_KeepsItsDedupeWatermark_SoAReplayedBatchIsNotAppliedAgain()
    {
        var (cloudPort, linkPort) = (FreePorts.Next(), FreePorts.Next());
        RegionalTierSettings Settings() => new()
        {
            RegionId = "rw", ParentAddress = new Uri($"http://127.0.0.1:{cloudPort}"), SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(), LinkPort = linkPort, DataDirectory = _dataDir, ConfigureServices = DevelopmentSigning.Shared.For(cloud: false),
        };
        var state = new Events.StoreStateEvent(new StoreId("rw-s1"), new RegionId("rw"), 0, 1, DateTimeOffset.UtcNow);
        var batch = new TierLink.Protocol.UpBatch { ChildId = "rw-s1", Epoch = 7 };
        batch.Events.Add(TierLink.LinkMapping.ToWire(1, state, "rw-s1"));
        batch.Events.Add(TierLink.LinkMapping.ToWire(2, state, "rw-s1"));

        await using (var region = EdgeTierHost.CreateRegion(Settings()))
        {
            await region.StartAsync();
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(region.LinkAddress!);
            var ack = await new TierLink.Protocol.TierLink.TierLinkClient(channel).PushAsync(batch);
            Assert.Equal(2u, ack.Appended);
            await region.StopAsync();
        }
        await using var again = EdgeTierHost.CreateRegion(Settings());
        await again.StartAsync();
        using var channel2 = Grpc.Net.Client.GrpcChannel.ForAddress(again.LinkAddress!);
        var replay = await new TierLink.Protocol.TierLink.TierLinkClient(channel2).PushAsync(batch);   // the ack was lost before the restart

        Assert.Equal((2ul, 0u, 2u), (replay.AckedThrough, replay.Appended, replay.Duplicates));

        // What was acked before the restart is in the region's view after it, once: from its
        // checkpoint, or replayed from the inbound log if the region stopped before checkpointing.
        // The log is trimmed only once the aggregator has checkpointed what it applied, so after
        // that its view must hold both events exactly once.
        await Eventually.Get(() => again.Grains.GetGrain<ILinkInboxGrain>("rw-s1").GetPendingCount(), n => n == 0, "inbound log confirmed and trimmed");
        var aggregator = again.Grains.GetGrain<IRegionAggregatorGrain>("rw");
        var view = await aggregator.GetStores();
        Assert.Equal(2, view.Single(s => s.StoreId == "rw-s1").EventsReceived);
        await again.StopAsync();
    }

    [Fact]
    public async Task CloudRestart_ForgetsTheAlertsResolvedLongestAgo_WhenResolvedAlertsExceedTheLimit()
    {
        var linkPort = FreePorts.Next();
        CloudTierSettings Settings() => new()
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = linkPort, DataDirectory = _dataDir,
            ConfigureFleet = o => o.ResolvedAlertsKept = 2, ConfigureServices = DevelopmentSigning.Shared.For(cloud: true),
        };
        var t0 = DateTimeOffset.UtcNow;
        var shelf = new ShelfId("rf-shelf");
        Alert Revision(int number, int revision, int second) => new(Alert.IdOf(shelf, AlertType.LowStock, number), new StoreId("rf-s1"), shelf, null, AlertType.LowStock,
            revision == 1 ? AlertState.Raised : AlertState.Resolved, revision, "sku", 1, 2, null, t0, t0, t0.AddSeconds(second), "system", 1);
        long sequence = 0;
        async Task Push(EdgeTierHost cloud, params Alert[] alerts)
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(cloud.LinkAddress!);
            var batch = new TierLink.Protocol.UpBatch { ChildId = "rf", Epoch = 1 };
            foreach (var alert in alerts) batch.Events.Add(TierLink.LinkMapping.ToWire(++sequence, new Events.AlertEvent(alert), "rf"));
            await new TierLink.Protocol.TierLink.TierLinkClient(channel).PushAsync(batch);
            var fleet = cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
            await Eventually.Get(fleet.GetEventsApplied, a => a.GetValueOrDefault("rf") == sequence, $"event {sequence} applied at the cloud");
        }

        // First life: alert A (1) is raised before B but resolved after B (2), so B is the one resolved longest ago.
        await using (var cloud = EdgeTierHost.CreateCloud(Settings()))
        {
            await cloud.StartAsync();
            await Push(cloud, Revision(1, 1, 0), Revision(2, 1, 1), Revision(2, 2, 2), Revision(1, 2, 3));
            await Eventually.Get(() => cloud.Grains.GetGrain<ILinkInboxGrain>("rf").GetPendingCount(), n => n == 0, "fleet checkpointed");
            await cloud.StopAsync();
        }

        await using var restarted = EdgeTierHost.CreateCloud(Settings());
        await restarted.StartAsync();
        var fleet = restarted.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        // A third resolved alert, C (3): one of the three must go, and it must be B.
        await Push(restarted, Revision(3, 1, 4), Revision(3, 2, 5));
        var before = await fleet.GetAlertStats();

        await Push(restarted, Revision(1, 2, 3));
        var afterA = await fleet.GetAlertStats();
        Assert.True(afterA.DuplicateRevisions == before.DuplicateRevisions + 1,
            $"A, resolved more recently than B, should still be known, so its repeat is a duplicate; duplicates went {before.DuplicateRevisions} -> {afterA.DuplicateRevisions}");
        await Push(restarted, Revision(2, 2, 2));
        var afterB = await fleet.GetAlertStats();
        Assert.True(afterB.DuplicateRevisions == afterA.DuplicateRevisions && afterB.UniqueRevisions == afterA.UniqueRevisions + 1,
            $"B, resolved longest ago, should have been forgotten; duplicates {afterA.DuplicateRevisions} -> {afterB.DuplicateRevisions}, unique {afterA.UniqueRevisions} -> {afterB.UniqueRevisions}");
        await restarted.StopAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
