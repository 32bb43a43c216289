using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

public sealed class LocalAutonomyTests
{
    [Fact]
    public async Task StoreWithUnreachableRegion_KeepsServingReadingsAlertsAndQueries_AndQueuesItsEvents()
    {
        await using var store = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = "offline-store", RegionId = "r9", ParentAddress = new Uri($"http://127.0.0.1:{FreePorts.Next()}"),
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), ConfigureServices = DevelopmentSigning.Shared.For(cloud: false),
        });
        await store.StartAsync();
        await using var client = await FleetFixture.Connect(store);
        var (shelf, cell) = await FleetFixture.NewShelf(client, "offline-shelf");

        await FleetFixture.Put(client, cell, 10);
        await FleetFixture.Put(client, cell, 0);

        var alerts = await client.GetOpenAlertsAsync();
        Assert.Contains(alerts, a => a.ShelfId == shelf && a.Type == AlertType.OutOfStock);
        Assert.Equal(0, (await client.GetShelfAsync(shelf.Value)).Units);
        var status = await Eventually.Get(() => client.GetUplinkStatusAsync(), s => s.QueuedEvents >= 3 && s.Retries > 0, "alerts queued in the outbox");
        Assert.False(status.Connected);
        Assert.NotNull(status.LastError);
        Assert.True(status.QueuedBytes > 0);
        Assert.NotNull(status.OldestQueuedAt);
        Assert.Equal(0, status.EventsAcked);
        Assert.Equal(0, MetricsProbe.Read(store, "orleans_edge_link_connected"));
        Assert.True(MetricsProbe.Read(store, "orleans_edge_outbox_events") >= 3);
        Assert.True(MetricsProbe.Read(store, "orleans_edge_outbox_oldest_age_seconds") >= 0);
        Assert.True(MetricsProbe.Read(store, "orleans_edge_link_retries_total") > 0);
        await store.StopAsync();
    }
}
