using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class LinkFaultTests
{
    [Fact]
    public async Task AlertsCrossingACutAndStalledLink_ArriveAtTheCloudExactlyOnceAndInOrder()
    {
        await using var tiers = await LocalFleet.StartAsync(new LocalFleetOptions
        {
            Regions = 1, StoresPerRegion = 1, FaultProxies = true, ConfigureStoreLinks = o => o.PushTimeout = TimeSpan.FromSeconds(1),
        });
        var (cloud, store) = (tiers.Cloud, tiers.Stores[0]);
        var proxy = tiers.LinkOf(store.Id)!;
        await using var client = await FleetFixture.Connect(store);
        var cells = new List<Domain.SensorId>();
        for (var i = 0; i < 4; i++) cells.Add((await FleetFixture.NewShelf(client, $"fault-{i}")).Cell);

        // Shelves empty and refill over and over while the link is cut, stalled and cut again.
        var faults = Task.Run(async () =>
        {
            await Task.Delay(1500);
            proxy.Cut();
            await Task.Delay(1500);
            proxy.Restore();
            await Task.Delay(1500);
            proxy.Blackhole();
            await Task.Delay(2500);
            proxy.Restore();
            await Task.Delay(1000);
            proxy.Cut();
            await Task.Delay(1000);
            proxy.Restore();
        });
        var round = 0;
        while (!faults.IsCompleted)
        {
            foreach (var cell in cells) await FleetFixture.Put(client, cell, round % 2 == 0 ? 0 : 10);
            round++;
            await Task.Delay(150);
        }
        await faults;

        var storeStats = await store.Grains.GetGrain<IStoreGrain>(store.Id).GetAlertStats();
        var open = await client.GetOpenAlertsAsync();
        var revisions = 2 * storeStats.AlertsRaised - open.Count;   // raised, and resolved unless still open
        var fleet = cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView, v => v.AlertRevisionsReceived >= revisions, "every alert revision at the cloud", TimeSpan.FromSeconds(30));

        Assert.True(storeStats.AlertsRaised >= 20, $"only {storeStats.AlertsRaised} alerts were raised");
        Assert.True(proxy.Connections >= 3, $"the link reconnected only {proxy.Connections - 1} times");
        Assert.Equal(revisions, view.AlertRevisionsReceived);
        Assert.Equal(0, view.DuplicateAlertRevisions);   // a resend or a reordering would show here
        Assert.Equal(storeStats.AlertsRaised, (await fleet.GetAlertStats()).UniqueAlertsRaised);
        Assert.Equal(open.Select(a => a.AlertId).Order(), view.OpenAlerts.Select(a => a.AlertId).Order());
        // Alerts go first (their lane has priority); the summaries and state reports queued behind the
        // faults may still be on their way: the outbox empties soon after.
        var status = await Eventually.Get(() => client.GetUplinkStatusAsync(), s => s.QueuedEvents == 0, "the outbox drained", TimeSpan.FromSeconds(20));
        Assert.True(status.Retries > 0);
        Assert.True(store.Uplink!.Status.CompressedBatches > 0, "the backlog after a cut should go up in compressed batches");

        await tiers.StopAsync();
    }
}
