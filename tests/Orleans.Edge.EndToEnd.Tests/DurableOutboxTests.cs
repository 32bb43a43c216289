using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class DurableOutboxTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-store-").FullName;

    private StoreTierSettings StoreSettings(int regionLinkPort) => new()
    {
        StoreId = "durable-store", RegionId = "rd", ParentAddress = new Uri($"http://127.0.0.1:{regionLinkPort}"),
        SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), DataDirectory = _dataDir,
    };

    [Fact]
    public async Task AlertsQueuedWhileTheRegionWasDown_SurviveAStoreRestart_AndReachTheCloudOnce()
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
        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings { SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next() });
        await cloud.StartAsync();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "rd", ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = regionLinkPort,
        });
        await region.StartAsync();
        await using var restarted = EdgeTierHost.CreateStore(StoreSettings(regionLinkPort));
        await restarted.StartAsync();

        var fleet = cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView, v => alertIds.All(id => v.OpenAlerts.Any(a => a.AlertId == id)), "queued alerts at the cloud", TimeSpan.FromSeconds(20));
        Assert.Equal(2, view.OpenAlerts.Count(a => a.StoreId.Value == "durable-store"));
        Assert.Equal(0, view.DuplicateAlertRevisions);
        await Eventually.Get(() => Task.FromResult(restarted.Outbox!.Count), n => n == 0, "outbox drained");

        await restarted.StopAsync();
        await region.StopAsync();
        await cloud.StopAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
