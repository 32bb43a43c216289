using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.EndToEnd.Tests;

[Collection(FleetCollection.Name)]
public sealed class AlertFlowTests(FleetFixture fx)
{
    [Fact]
    public async Task LowStockAlert_ReachesCloudExactlyOnce_WhenShelfFallsBelowThreshold()
    {
        var (shelf, cell) = await FleetFixture.NewShelf(fx.Store1, "e2e-low");
        await FleetFixture.Put(fx.Store1, cell, 10);
        await FleetFixture.Put(fx.Store1, cell, 1);
        await FleetFixture.Put(fx.Store1, cell, 1);   // still low: must not raise again
        var alert = Assert.Single(await fx.Store1.GetOpenAlertsAsync(), a => a.ShelfId == shelf && a.Type == AlertType.LowStock);

        var view = await Eventually.Get(fx.CloudFleet.GetView, v => v.OpenAlerts.Any(a => a.AlertId == alert.AlertId), "alert at the cloud");
        var atCloud = Assert.Single(view.OpenAlerts, a => a.AlertId == alert.AlertId);
        Assert.Equal(fx.Store1.StoreId, atCloud.StoreId.Value);
        Assert.Equal(AlertState.Raised, atCloud.State);
        Assert.Equal(alert.TriggeredAt, atCloud.TriggeredAt, TimeSpan.FromTicks(10));   // the wire carries microseconds

        var regionStore = (await fx.Region.Grains.GetGrain<IRegionAggregatorGrain>(fx.Region.Id).GetStores())
            .Single(s => s.StoreId == fx.Store1.StoreId);
        Assert.Contains(regionStore.OpenAlerts, a => a.AlertId == alert.AlertId);
        Assert.Equal(0, (await fx.CloudFleet.GetView()).DuplicateAlertRevisions);
    }

    [Fact]
    public async Task Restocking_ResolvesAlert_AtStoreAndCloud()
    {
        var (shelf, cell) = await FleetFixture.NewShelf(fx.Store2, "e2e-restock");
        await FleetFixture.Put(fx.Store2, cell, 0);
        var open = await fx.Store2.GetOpenAlertsAsync();
        var alertIds = open.Where(a => a.ShelfId == shelf).Select(a => a.AlertId).ToList();
        Assert.Equal(2, alertIds.Count);   // low stock and out of stock
        await Eventually.Get(fx.CloudFleet.GetView, v => alertIds.All(id => v.OpenAlerts.Any(a => a.AlertId == id)), "alerts open at the cloud");

        await FleetFixture.Put(fx.Store2, cell, 10);

        Assert.DoesNotContain(await fx.Store2.GetOpenAlertsAsync(), a => a.ShelfId == shelf);
        var view = await Eventually.Get(fx.CloudFleet.GetView, v => !v.OpenAlerts.Any(a => alertIds.Contains(a.AlertId)), "alerts resolved at the cloud");
        Assert.DoesNotContain(view.OpenAlerts, a => a.ShelfId == shelf && a.StoreId.Value == fx.Store2.StoreId);
        var regionStore = (await fx.Region.Grains.GetGrain<IRegionAggregatorGrain>(fx.Region.Id).GetStores())
            .Single(s => s.StoreId == fx.Store2.StoreId);
        Assert.DoesNotContain(regionStore.OpenAlerts, a => alertIds.Contains(a.AlertId));
    }

    [Fact]
    public async Task InvalidReadings_ThroughTheStoreGateway_AreRejectedWithSpecificErrors_AndChangeNoState()
    {
        var (shelf, cell) = await FleetFixture.NewShelf(fx.Store1, "e2e-invalid");
        await FleetFixture.Put(fx.Store1, cell, 8);
        var before = await fx.Store1.GetShelfAsync(shelf.Value);

        var nan = await Assert.ThrowsAsync<Client.InvalidReadingException>(() =>
            fx.Store1.SubmitReadingAsync(new SensorReading(cell, double.NaN, DateTimeOffset.UtcNow)));
        var skewed = await Assert.ThrowsAsync<Client.InvalidReadingException>(() =>
            fx.Store1.SubmitReadingAsync(new SensorReading(cell, 100, DateTimeOffset.UtcNow.AddMinutes(-10))));
        var results = await fx.Store1.SubmitReadingsAsync([new SensorReading(cell, -1, DateTimeOffset.UtcNow), new SensorReading(new SensorId("ghost"), 1, DateTimeOffset.UtcNow)]);

        Assert.Equal(ReadingRejection.NotFinite, nan.Reason);
        Assert.Equal(ReadingRejection.ClockSkew, skewed.Reason);
        Assert.Equal([ReadingRejection.Negative, ReadingRejection.UnknownSensor], results.Select(r => r.Rejection));
        var after = await fx.Store1.GetShelfAsync(shelf.Value);
        Assert.Equal(before.Units, after.Units);
        Assert.Equal(before.LastReadingAt, after.LastReadingAt);
        Assert.DoesNotContain(await fx.Store1.GetOpenAlertsAsync(), a => a.ShelfId == shelf);
    }

    [Fact]
    public async Task CloudFleetView_ListsRegionsAndStores()
    {
        var view = await Eventually.Get(fx.CloudFleet.GetView, v => v.Stores.Count(s => s.StoreId.StartsWith("r1-", StringComparison.Ordinal)) == 2, "both stores at the cloud");
        var region = Assert.Single(view.Regions, r => r.RegionId == fx.Region.Id);
        Assert.True(region.Stores >= 2);
        Assert.All(view.Stores.Where(s => s.StoreId.StartsWith("r1-", StringComparison.Ordinal)), s => Assert.NotNull(s.LastSeen));
    }

    [Fact]
    public async Task ConnectedStore_ReportsItsLinkUp_AndItsEventsAcked()
    {
        var (_, cell) = await FleetFixture.NewShelf(fx.Store1, "e2e-metrics");
        await FleetFixture.Put(fx.Store1, cell, 0);
        var status = await Eventually.Get(() => fx.Store1.GetUplinkStatusAsync(), s => s.Connected && s.QueuedEvents == 0 && s.EventsAcked >= 2, "events acked");
        Assert.Null(status.LastError);
        var host = fx.Fleet.Stores[0];
        Assert.Equal(1, MetricsProbe.Read(host, "orleans_edge_link_connected"));
        Assert.True(MetricsProbe.Read(host, "orleans_edge_link_events_acked_total") >= 2);
        Assert.True(MetricsProbe.Read(host, "orleans_edge_uplink_wire_bytes_total") > 0);
        Assert.True(MetricsProbe.Read(host, "orleans_edge_outbox_events_numbered_total") >= 2);
    }

    [Fact]
    public async Task StaffAcknowledgement_TravelsToTheCloud()
    {
        var (shelf, cell) = await FleetFixture.NewShelf(fx.Store1, "e2e-ack");
        await FleetFixture.Put(fx.Store1, cell, 1);
        var alert = (await fx.Store1.GetOpenAlertsAsync()).Single(a => a.ShelfId == shelf);
        await fx.Store1.AcknowledgeAsync(alert.AlertId, "sam");
        var view = await Eventually.Get(fx.CloudFleet.GetView,
            v => v.OpenAlerts.Any(a => a.AlertId == alert.AlertId && a.State == AlertState.Acknowledged), "acknowledged at the cloud");
        Assert.Equal("sam", view.OpenAlerts.Single(a => a.AlertId == alert.AlertId).ChangedBy);
    }
}
