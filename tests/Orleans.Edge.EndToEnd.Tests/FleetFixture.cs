using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>Cloud, one region and two stores, each its own cluster, joined by gRPC on loopback.</summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public LocalFleet Fleet { get; private set; } = null!;
    public EdgeStoreClient Store1 { get; private set; } = null!;
    public EdgeStoreClient Store2 { get; private set; } = null!;
    public EdgeTierHost Region => Fleet.Regions[0];
    public IFleetGrain CloudFleet => Fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
    public IPolicyGrain Policies => Fleet.Cloud.Grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey);

    public async Task InitializeAsync()
    {
        Fleet = await LocalFleet.StartAsync(new LocalFleetOptions { Regions = 1, StoresPerRegion = 2, RegionSummaryWindow = TimeSpan.FromSeconds(2) });
        Store1 = await Connect(Fleet.Stores[0]);
        Store2 = await Connect(Fleet.Stores[1]);
    }

    /// <summary>A store app's client, over the store's real gateway.</summary>
    // A loaded CI machine (two cores, fleets of several silos in parallel tests) can take longer than
    // the SDK's 15 s default to answer a first connect; the timeout itself has its own tests.
    public static Task<EdgeStoreClient> Connect(EdgeTierHost store)
    {
        var options = new StoreClientOptions { StoreId = store.Id, ConnectTimeout = TimeSpan.FromSeconds(45) };
        options.Gateways.Add($"127.0.0.1:{store.Settings.GatewayPort}");
        return EdgeStoreClient.ConnectAsync(options);
    }

    public async Task DisposeAsync()
    {
        await Store1.DisposeAsync();
        await Store2.DisposeAsync();
        await Fleet.StopAsync();
        await Fleet.DisposeAsync();
    }

    /// <summary>Provisions a 10-unit shelf with a load cell.</summary>
    public static async Task<(ShelfId Shelf, SensorId Cell)> NewShelf(IEdgeStoreClient store, string name)
    {
        var shelf = new ShelfId(name);
        var cell = new SensorId($"{name}-lc");
        await store.ProvisionShelfAsync(new ShelfSetup(shelf, new PlanogramEntry($"sku-{name}", 100, 500, 10),
            [new SensorSpec(cell, shelf, SensorKind.LoadCell, 20_000)]));
        return (shelf, cell);
    }

    public static Task Put(IEdgeStoreClient store, SensorId cell, double units) =>
        store.SubmitReadingAsync(new SensorReading(cell, 500 + units * 100 + Random.Shared.NextDouble() * 0.2, DateTimeOffset.UtcNow));
}

[CollectionDefinition(Name)]
public sealed class FleetCollection : ICollectionFixture<FleetFixture>
{
    public const string Name = "fleet";
}
