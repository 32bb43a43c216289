using Orleans.Edge.Client;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class KillTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-kill-").FullName;

    private static Task<EdgeStoreClient> Connect(int gatewayPort, string store) =>
        EdgeStoreClient.ConnectAsync(store, $"127.0.0.1:{gatewayPort}");

    [Fact]
    public async Task StoreProcessKilledRightAfterAlertsWereRaised_DeliversThemAfterRestart_ExactlyOnce()
    {
        var regionLinkPort = FreePorts.Next();
        string Args() => $"--tier store --id ks-s1 --region ks --parent http://127.0.0.1:{regionLinkPort} " +
                         $"--silo-port {FreePorts.Next()} --gateway-port {_gateway = FreePorts.Next()} --data-dir {_dataDir}";
        string[] alertIds;

        // The region is down: alerts wait in the store's outbox. Then the store process is killed.
        await using (var store = await TierProcess.StartAsync(Args()))
        {
            await using var client = await Connect(_gateway, "ks-s1");
            var (_, cell) = await FleetFixture.NewShelf(client, "kill-shelf");
            await FleetFixture.Put(client, cell, 0);
            alertIds = [.. (await client.GetOpenAlertsAsync()).Select(a => a.AlertId)];
            Assert.Equal(2, alertIds.Length);
            // No waiting: once the reading call has returned, the shelf's publish of its alerts has
            // returned, which means they are committed to the outbox. Kill at once.
            store.Kill();
        }

        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings { SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), ConfigureServices = DevelopmentSigning.Shared.For(cloud: true) });
        await cloud.StartAsync();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "ks", ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = regionLinkPort,
            ConfigureServices = DevelopmentSigning.Shared.For(cloud: false),
        });
        await region.StartAsync();
        await using (var restarted = await TierProcess.StartAsync(Args()))
        {
            var fleet = cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
            var view = await Eventually.Get(fleet.GetView, v => alertIds.All(id => v.OpenAlerts.Any(a => a.AlertId == id)), "alerts at the cloud", TimeSpan.FromSeconds(30));
            Assert.Equal(2, view.OpenAlerts.Count(a => a.StoreId.Value == "ks-s1"));
            Assert.Equal(0, view.DuplicateAlertRevisions);
            await using var client = await Connect(_gateway, "ks-s1");
            Assert.Equal(alertIds.Order(), (await client.GetOpenAlertsAsync()).Select(a => a.AlertId).Order());   // grain state survived too
        }
        await region.StopAsync();
        await cloud.StopAsync();
    }

    private int _gateway;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
