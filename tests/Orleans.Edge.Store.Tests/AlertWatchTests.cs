using System.Collections.Concurrent;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Runtime;

namespace Orleans.Edge.Store.Tests;

/// <summary>Deactivates every grain of its cluster, so it gets a store of its own.</summary>
[CollectionDefinition(Name)]
public sealed class AlertWatchClusterCollection : ICollectionFixture<StoreClusterFixture>
{
    public const string Name = "store cluster for alert watches";
}

[Collection(AlertWatchClusterCollection.Name)]
public sealed class AlertWatchTests(StoreClusterFixture fx)
{
    private static async Task Watch(EdgeStoreClient store, ConcurrentQueue<Alert> seen, CancellationToken ct)
    {
        await foreach (var alert in store.WatchAlertsAsync(ct)) seen.Enqueue(alert);
    }

    [Fact]
    public async Task Watch_DeliversEveryAlertChangeMadeWhileTheStoreGrainWasAway_InOrder()
    {
        var probe = await fx.NewShelfAsync("gap-probe");
        var shelf = await fx.NewShelfAsync("gap");
        await shelf.Units(10);
        var seen = new ConcurrentQueue<Alert>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watching = Watch(fx.Store, seen, cts.Token);

        // The watch is live once it sees an alert of the probe shelf.
        await Eventually.Get(async () =>
        {
            await probe.Units(10);
            await probe.Units(0);
            return seen.Any(a => a.ShelfId == probe.Shelf);
        }, live => live, "the watch to be live");

        // The store grain goes away (the watcher's registration with it too) and alerts change meanwhile.
        await fx.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await shelf.Units(0);
        var raised = await Eventually.Get(shelf.OpenAlerts, open => open.Count > 0, "alerts on the empty shelf");
        var resolved = await fx.Store.ResolveAsync(raised[0].AlertId, "ann");
        var expected = raised.Select(a => (a.AlertId, a.Revision)).Append((resolved.AlertId, resolved.Revision)).ToList();

        var delivered = await Eventually.Get(
            () => Task.FromResult(seen.Where(a => a.ShelfId == shelf.Shelf).Select(a => (a.AlertId, a.Revision)).ToList()),
            got => expected.All(got.Contains), "every change made in the gap at the watcher", TimeSpan.FromSeconds(15));

        // Each alert's revisions arrive in order, each once.
        foreach (var alert in delivered.GroupBy(d => d.AlertId))
            Assert.Equal(alert.Select(d => d.Revision).Order(), alert.Select(d => d.Revision));
        Assert.Equal(delivered.Distinct().Count(), delivered.Count);
        await cts.CancelAsync();
        await watching;
    }

    [Fact]
    public async Task Watch_Throws_WhenTheStoreStaysUnreachable_InsteadOfWaitingSilently()
    {
        var own = new StoreClusterFixture();
        await own.InitializeAsync();
        try
        {
            var probe = await own.NewShelfAsync("down-probe");
            var seen = new ConcurrentQueue<Alert>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var watching = Watch(own.Store, seen, cts.Token);
            await Eventually.Get(async () =>
            {
                await probe.Units(10);
                await probe.Units(0);
                return seen.Any(a => a.ShelfId == probe.Shelf);
            }, live => live, "the watch to be live");

            await own.Cluster.StopSiloAsync(own.Cluster.GetActiveSilos().Single());

            // Three renewals of a second each fail; well within the deadline the watch says so.
            var failure = await Assert.ThrowsAsync<AlertWatchFailedException>(() => watching.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(StoreClusterFixture.StoreId, failure.Message, StringComparison.Ordinal);
            Assert.Equal(3, failure.Failures);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Watch_FromAChangeTheJournalNoLongerHolds_ThrowsTheGapWithTheOpenAlerts_AndResumesFromItsSnapshot()
    {
        var own = new StoreClusterFixture { AlertJournalLength = 2 };
        await own.InitializeAsync();
        try
        {
            var shelf = await own.NewShelfAsync("trimmed");
            await shelf.Units(10);
            await shelf.Units(0);
            var open = await Eventually.Get(shelf.OpenAlerts, a => a.Count > 0, "alerts on the empty shelf");
            await own.Store.ResolveAsync(open[0].AlertId, "ann");   // three changes or more: change 1 is gone

            var gap = await Assert.ThrowsAsync<AlertWatchGapException>(async () =>
            {
                await foreach (var _ in own.Store.WatchAlertsAsync(afterChange: 0)) { }
            });
            Assert.Equal(0, gap.LastDelivered);
            Assert.True(gap.ResumeAfter >= 3);
            Assert.Equal((await own.Store.GetOpenAlertsAsync()).Select(a => a.AlertId), gap.OpenAlerts.Select(a => a.AlertId));

            // Watching again from the snapshot delivers the next change and nothing older.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var next = Task.Run(async () =>
            {
                await foreach (var alert in own.Store.WatchAlertsAsync(gap.ResumeAfter, cts.Token)) return alert;
                return null;
            });
            var remaining = gap.OpenAlerts.First(a => a.ShelfId == shelf.Shelf);
            await own.Store.ResolveAsync(remaining.AlertId, "ann");
            var first = await next.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal((remaining.AlertId, AlertState.Resolved), (first!.AlertId, first.State));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }
}
