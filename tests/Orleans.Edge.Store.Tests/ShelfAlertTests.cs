using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;

namespace Orleans.Edge.Store.Tests;

[Collection(StoreClusterCollection.Name)]
public sealed class ShelfAlertTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task LowStockAlert_IsRaisedBelowThreshold_AndClearsOnlyPastHysteresis()
    {
        var shelf = await fx.NewShelfAsync("hyst");   // capacity 10, default threshold 25% → 2, hysteresis 2
        await shelf.Units(10);
        Assert.Empty(await shelf.OpenAlerts());

        await shelf.Units(2);
        var low = Assert.Single(await shelf.OpenAlerts());
        Assert.Equal(AlertType.LowStock, low.Type);
        Assert.Equal(AlertState.Raised, low.State);
        Assert.Equal(2, low.Threshold);

        await shelf.Units(3);   // above the threshold but below threshold + hysteresis: stays open
        Assert.Single(await shelf.OpenAlerts());

        await shelf.Units(4);
        Assert.Empty(await shelf.OpenAlerts());

        var upward = await Eventually.Get(fx.UplinkEventsAsync,
            events => events.OfType<AlertEvent>().Count(e => e.Alert.AlertId == low.AlertId) == 2, "raised and resolved alert upward");
        var revisions = upward.OfType<AlertEvent>().Where(e => e.Alert.AlertId == low.AlertId).Select(e => e.Alert).ToList();
        Assert.Equal([AlertState.Raised, AlertState.Resolved], revisions.Select(a => a.State));
        Assert.Equal([1, 2], revisions.Select(a => a.Revision));
    }

    [Fact]
    public async Task RaisedAlert_IsRecordedInTheLocalLatencyHistogram_WithItsType()
    {
        var scope = fx.SiloServices.GetRequiredService<IMeterFactory>();
        var recorded = new ConcurrentQueue<(double Ms, string? Type)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Name == StoreCounters.LocalAlertLatencyName && ReferenceEquals(i.Meter.Scope, scope)) l.EnableMeasurementEvents(i);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, ms, tags, _) =>
        {
            string? type = null;
            foreach (var tag in tags) if (tag.Key == "type") type = tag.Value as string;
            recorded.Enqueue((ms, type));
        });
        listener.Start();

        var shelf = await fx.NewShelfAsync("latency");
        await shelf.Units(10);
        await shelf.Units(1);
        Assert.Contains(await shelf.OpenAlerts(), a => a.Type == AlertType.LowStock);

        var lowStock = await Eventually.Get(() => Task.FromResult(recorded.Where(r => r.Type == nameof(AlertType.LowStock)).ToList()),
            r => r.Count > 0, "a LowStock latency measurement");
        // The fake clock stands still: the alert is raised at its reading's time.
        Assert.All(lowStock, r => Assert.Equal(0, r.Ms));
    }

    [Fact]
    public async Task EmptyShelf_RaisesOutOfStock_AndRestockResolvesBoth()
    {
        var shelf = await fx.NewShelfAsync("oos");
        await shelf.Units(6);
        await shelf.Units(0);
        var open = await shelf.OpenAlerts();
        Assert.Contains(open, a => a.Type == AlertType.OutOfStock);
        Assert.Contains(open, a => a.Type == AlertType.LowStock);

        await shelf.Units(10);
        Assert.Empty(await shelf.OpenAlerts());
    }

    [Fact]
    public async Task AlertLifecycle_AcknowledgeThenResolve_LatchesUntilConditionClears()
    {
        var shelf = await fx.NewShelfAsync("life");
        await shelf.Units(1);
        var alert = (await shelf.OpenAlerts()).Single(a => a.Type == AlertType.LowStock);

        var acked = await fx.Store.AcknowledgeAsync(alert.AlertId, "ann");
        Assert.Equal(AlertState.Acknowledged, acked.State);
        Assert.Equal("ann", acked.ChangedBy);
        Assert.Equal(2, acked.Revision);

        var resolved = await fx.Store.ResolveAsync(alert.AlertId, "ann");
        Assert.Equal(AlertState.Resolved, resolved.State);
        await Assert.ThrowsAsync<AlertAlreadyResolvedException>(() => fx.Store.ResolveAsync(alert.AlertId, "bob"));
        await Assert.ThrowsAsync<AlertAlreadyResolvedException>(() => fx.Store.AcknowledgeAsync(alert.AlertId, "bob"));

        await shelf.Units(1);   // still low, but staff resolved it: no new alert
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.LowStock);

        await shelf.Units(9);   // cleared...
        await shelf.Units(1);   // ...and low again: a new alert
        var again = (await shelf.OpenAlerts()).Single(a => a.Type == AlertType.LowStock);
        Assert.NotEqual(alert.AlertId, again.AlertId);
    }

    [Fact]
    public async Task AcknowledgingTwice_ChangesAndSendsNothingTheSecondTime()
    {
        var shelf = await fx.NewShelfAsync("ack-twice");
        await shelf.Units(1);
        var alert = (await shelf.OpenAlerts()).Single(a => a.Type == AlertType.LowStock);

        var first = await fx.Store.AcknowledgeAsync(alert.AlertId, "ann");
        var second = await fx.Store.AcknowledgeAsync(alert.AlertId, "bob");

        Assert.Equal(first, second);   // still ann's acknowledgement, same revision
        var sent = (await fx.UplinkEventsAsync()).OfType<AlertEvent>().Where(e => e.Alert.AlertId == alert.AlertId).ToList();
        Assert.Equal([1, 2], sent.Select(e => e.Alert.Revision));
    }

    [Fact]
    public async Task CommandsOnUnknownAlerts_RaiseUnknownAlertException()
    {
        var shelf = await fx.NewShelfAsync("unknown-alert");
        await Assert.ThrowsAsync<UnknownAlertException>(() => fx.Store.AcknowledgeAsync($"{shelf.Id}/LowStock/99", "ann"));
        await Assert.ThrowsAsync<UnknownAlertException>(() => fx.Store.ResolveAsync("not-an-alert-id", "ann"));
    }

    [Fact]
    public async Task CameraDisagreeingWithWeight_RaisesMismatch_AndAgreementClearsIt()
    {
        var shelf = await fx.NewShelfAsync("mismatch");
        await shelf.Units(9);
        await shelf.Occupancy(0.1);   // camera sees 1 unit, weight says 9: could be a camera lagging a restock
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        await shelf.Units(9);
        await shelf.Occupancy(0.1);   // still so at the camera's next look: a real disagreement
        var mismatch = Assert.Single(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        Assert.Contains("camera", mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(9, (await shelf.State()).Units!.Value, 1);   // weight wins while they disagree

        await shelf.Occupancy(0.9);
        Assert.DoesNotContain(await shelf.OpenAlerts(), a => a.Type == AlertType.Mismatch);
        var state = await shelf.State();
        Assert.Equal(9, state.CameraUnits!.Value, 1);
        Assert.Equal(9, state.Units!.Value, 0);
    }

    [Fact]
    public async Task ManualCount_RecalibratesTare()
    {
        var shelf = await fx.NewShelfAsync("count");
        await fx.Store.SubmitReadingAsync(new SensorReading(shelf.Cell, 1200, fx.Time.GetUtcNow()));   // 7 units on a 500 g tare
        var counted = await fx.Store.RecordManualCountAsync(shelf.Id, 5, "ann");   // there are really 5: tare is 700 g
        Assert.Equal(700, counted.Planogram.TareGrams, 1);
        Assert.Equal(5, counted.Units!.Value, 1);
        await fx.Store.SubmitReadingAsync(new SensorReading(shelf.Cell, 900, fx.Time.GetUtcNow()));
        Assert.Equal(2, (await shelf.State()).Units!.Value, 1);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fx.Store.RecordManualCountAsync(shelf.Id, -1, "ann"));
    }

    [Fact]
    public async Task WatchAlerts_YieldsAlertsAsTheyAreRaised()
    {
        var shelf = await fx.NewShelfAsync("watch");
        await shelf.Units(10);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var first = Task.Run(async () =>
        {
            await foreach (var alert in fx.Store.WatchAlertsAsync(cts.Token))
                if (alert.ShelfId == shelf.Shelf) return alert;
            return null;
        });
        var seen = await Eventually.Get(async () =>
        {
            await shelf.Units(10);
            await shelf.Units(0);
            return first.IsCompleted;
        }, done => done, "watched alert");
        var got = await first;
        Assert.NotNull(got);
        Assert.Equal(shelf.Shelf, got!.ShelfId);
        await cts.CancelAsync();
    }
}
