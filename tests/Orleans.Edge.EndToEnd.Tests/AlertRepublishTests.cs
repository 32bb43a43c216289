using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// A shelf marks alert changes unpublished in the same write that saves them, and clears the mark
/// once the uplink and the store's index have them. When the clearing write fails, storage keeps the
/// mark; an activation started from that storage must not send those changes up a second time.
/// </summary>
public sealed class AlertRepublishTests
{
    [Fact]
    public async Task ShelfWhoseClearingWritesFailed_AndThatThenDeactivated_DoesNotSendItsAlertsUpAgain()
    {
        var (fleet, faults) = await RarePathTests.StartAsync("r1-s1");
        await using var _ = fleet;
        var store = fleet.Stores[0];
        await using var client = await FleetFixture.Connect(store);
        var (_, cell) = await FleetFixture.NewShelf(client, "unsaved");

        // The raise is saved (one shelf write); every shelf write after it fails: the three attempts to
        // clear the mark, the ticks' attempts, and the next change's save, which deactivates the shelf.
        faults.GrainWritesOf = name => name == "shelf";
        faults.GrainWrites.SkipThenFail(1, 1_000);
        await FleetFixture.Put(client, cell, 0);
        var raised = (await client.GetOpenAlertsAsync()).Where(a => a.ShelfId.Value == "unsaved").ToList();
        Assert.NotEmpty(raised);
        await Eventually.Get(() => Task.FromResult(faults.GrainWrites.Injected), n => n >= 3, "the writes clearing the mark failed");
        try
        {
            await FleetFixture.Put(client, cell, 100);   // clears the alerts: its save fails too
        }
        catch (Exception ex) when (ex.Message.Contains("injected fault", StringComparison.Ordinal))
        {
        }
        faults.GrainWrites.Heal();

        // The next reading meets an activation started from storage, which still lists the raise as
        // unpublished; then the shelf is refilled, and the clears queue behind whatever it sent again.
        await FleetFixture.Put(client, cell, 0);
        await FleetFixture.Put(client, cell, 100);
        var fleetGrain = fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var stats = await Eventually.Get(fleetGrain.GetAlertStats, s => s.UniqueRevisions >= 2 * raised.Count, "the raises and the clears at the cloud", TimeSpan.FromSeconds(30));
        var view = await fleetGrain.GetView();
        Assert.DoesNotContain(view.OpenAlerts, a => a.ShelfId.Value == "unsaved");
        Assert.Equal(2 * raised.Count, stats.UniqueRevisions);
        Assert.Equal(0, stats.DuplicateRevisions);
        Assert.Equal(0, view.DuplicateAlertRevisions);
        Assert.DoesNotContain(await client.GetOpenAlertsAsync(), a => a.ShelfId.Value == "unsaved");
        await fleet.StopAsync();
    }
}
