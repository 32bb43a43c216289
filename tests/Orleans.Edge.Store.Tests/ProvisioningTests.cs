using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store.Tests;

/// <summary>Bulk provisioning gets a store of its own: it adds hundreds of shelves and moves the clock far.</summary>
[CollectionDefinition(Name)]
public sealed class ProvisioningClusterCollection : ICollectionFixture<StoreClusterFixture>
{
    public const string Name = "store cluster for provisioning";
}

[Collection(ProvisioningClusterCollection.Name)]
public sealed class ProvisioningTests(StoreClusterFixture fx)
{
    private static ShelfSetup Shelf(string name)
    {
        var shelf = new ShelfId(name);
        return new ShelfSetup(shelf, new PlanogramEntry($"sku-{name}", 250, 800, 16),
        [
            new SensorSpec(new SensorId($"{name}-lc"), shelf, SensorKind.LoadCell, 20_000),
            new SensorSpec(new SensorId($"{name}-cam"), shelf, SensorKind.Camera, 1),
        ]);
    }

    [Fact]
    public async Task ProvisionShelvesAsync_ProvisionsEveryShelfAcrossBatches_AndEachShelfAndSensorWorks()
    {
        var setups = Enumerable.Range(0, EdgeStoreClient.ProvisionBatchSize + 100).Select(i => Shelf($"bulk-{i:D4}")).ToList();

        var provisioned = await fx.Store.ProvisionShelvesAsync(setups);

        Assert.Equal(setups.Count, provisioned);
        var listed = (await fx.Store.GetShelvesAsync()).Where(s => s.ShelfId.Value.StartsWith("bulk-", StringComparison.Ordinal)).ToList();
        Assert.Equal(setups.Select(s => s.ShelfId), listed.Select(s => s.ShelfId));
        Assert.Equal(setups[^1], listed[^1], new SetupComparer());
        var last = setups[^1];
        Assert.Equal(last.Planogram, (await fx.Store.GetShelfAsync(last.ShelfId.Value)).Planogram);
        await fx.Store.SubmitReadingAsync(new SensorReading(last.Sensors[0].SensorId, 800 + 250 * 12, fx.Time.GetUtcNow()));
        Assert.Equal(last.ShelfId, (await fx.Client.GetGrain<ISensorGrain>(last.Sensors[0].SensorId.Value).GetStatus())!.Spec.ShelfId);
    }

    [Fact]
    public async Task ProvisionShelves_WithProblems_ReportsEveryOne_AndChangesNothing()
    {
        await fx.Store.ProvisionShelfAsync(Shelf("owner-1"));
        var good = Shelf("batch-good");
        var stealing = Shelf("batch-steal") with
        {
            Sensors = [new SensorSpec(new SensorId("owner-1-lc"), new ShelfId("batch-steal"), SensorKind.LoadCell, 20_000)],
        };
        var twiceShelf = Shelf("batch-good") with { Planogram = new PlanogramEntry("other", 10, 0, 3) };
        var bad = Shelf("batch-bad") with { Planogram = new PlanogramEntry("", 0, 5, 2) };
        var sharing = Shelf("batch-share") with
        {
            Sensors = [new SensorSpec(new SensorId("batch-bad-cam"), new ShelfId("batch-share"), SensorKind.Camera, 1)],
        };

        var problems = await fx.Client.GetGrain<IStoreGrain>(StoreClusterFixture.StoreId)
            .ProvisionShelves([good, stealing, twiceShelf, bad, sharing]);

        Assert.Contains(problems, p => p.Contains("'owner-1-lc' is already installed on shelf 'owner-1'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("shelf 'batch-good' is listed twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("shelf 'batch-bad'", StringComparison.Ordinal) && p.Contains("SKU", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("sensor 'batch-bad-cam' is also listed for shelf 'batch-bad'", StringComparison.Ordinal));
        var shelves = await fx.Store.GetShelvesAsync();
        Assert.DoesNotContain(shelves, s => s.ShelfId.Value.StartsWith("batch-", StringComparison.Ordinal));
        await Assert.ThrowsAsync<UnknownShelfException>(() => fx.Store.GetShelfAsync("batch-good"));

        // The client finds duplicates before sending anything.
        var ex = await Assert.ThrowsAsync<InvalidPlanogramException>(() => fx.Store.ProvisionShelvesAsync([good, good]));
        Assert.Equal(0, ex.ShelvesProvisioned);
        Assert.Contains(ex.Problems, p => p.Contains("listed twice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReprovisioningAShelf_WithOtherSensors_FreesTheOldOnes_ForAnotherShelf()
    {
        await fx.Store.ProvisionShelfAsync(Shelf("move-a"));
        var moved = Shelf("move-a") with { Sensors = [new SensorSpec(new SensorId("move-a-new"), new ShelfId("move-a"), SensorKind.LoadCell, 20_000)] };
        var taker = Shelf("move-b") with { Sensors = [new SensorSpec(new SensorId("move-a-lc"), new ShelfId("move-b"), SensorKind.LoadCell, 20_000)] };

        await fx.Store.ProvisionShelvesAsync([moved, taker]);

        var shelves = await fx.Store.GetShelvesAsync();
        Assert.Equal("move-a-new", Assert.Single(shelves, s => s.ShelfId.Value == "move-a").Sensors.Single().SensorId.Value);
        Assert.Equal("move-a-lc", Assert.Single(shelves, s => s.ShelfId.Value == "move-b").Sensors.Single().SensorId.Value);
    }

    [Fact]
    public async Task BulkProvisionedSensors_ThatNeverReported_RaiseNoSensorFault_UntilTheirFirstReadingIsOverdue()
    {
        var setups = Enumerable.Range(0, 150).Select(i => Shelf($"quiet-{i:D3}")).ToList();
        await fx.Store.ProvisionShelvesAsync(setups);
        var sensors = setups.SelectMany(s => s.Sensors).Select(s => fx.Client.GetGrain<ISensorGrain>(s.SensorId.Value)).ToList();

        fx.Time.Advance(TimeSpan.FromSeconds(61));   // past SensorSilentAfter (60 s)
        await Task.WhenAll(sensors.Select(s => s.CheckHealth()));
        fx.Time.Advance(TimeSpan.FromMinutes(20));
        await Task.WhenAll(sensors.Select(s => s.CheckHealth()));

        var faults = (await fx.Store.GetOpenAlertsAsync()).Where(a => a.Type == AlertType.SensorFault && a.ShelfId.Value.StartsWith("quiet-", StringComparison.Ordinal));
        Assert.Empty(faults);
        Assert.All(await Task.WhenAll(sensors.Select(s => s.GetStatus())), s => Assert.Null(s!.Fault));

        // Past SensorFirstReadingWithin (30 min) a sensor that never reported is silent, once.
        fx.Time.Advance(TimeSpan.FromMinutes(10));
        var first = sensors[0];
        await first.CheckHealth();
        await first.CheckHealth();
        var fault = Assert.Single(await fx.Store.GetOpenAlertsAsync(), a => a.Type == AlertType.SensorFault && a.SensorId == setups[0].Sensors[0].SensorId);
        Assert.Contains("no reading yet", fault.Message, StringComparison.Ordinal);
    }

    private sealed class SetupComparer : IEqualityComparer<ShelfSetup>
    {
        public bool Equals(ShelfSetup? x, ShelfSetup? y) =>
            x is not null && y is not null && x.ShelfId == y.ShelfId && x.Planogram == y.Planogram && x.Sensors.SequenceEqual(y.Sensors);

        public int GetHashCode(ShelfSetup obj) => obj.ShelfId.GetHashCode();
    }
}
