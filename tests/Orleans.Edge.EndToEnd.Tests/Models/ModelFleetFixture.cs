using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Models;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink;
using Orleans.Edge.Vision;

namespace Orleans.Edge.EndToEnd.Tests.Models;

/// <summary>Cloud, one region, two stores, with a fault proxy in every link and a fake model installer in every store.</summary>
public sealed class ModelFleetFixture : IAsyncLifetime
{
    public LocalFleet Fleet { get; private set; } = null!;
    public EdgeTierHost Region => Fleet.Regions[0];
    public EdgeTierHost Store1 => Fleet.Stores[0];
    public EdgeTierHost Store2 => Fleet.Stores[1];
    public IModelRegistryGrain Registry => Fleet.Cloud.Grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey);

    public async Task InitializeAsync()
    {
        Fleet = await LocalFleet.StartAsync(new LocalFleetOptions
        {
            Regions = 1, StoresPerRegion = 2, FaultProxies = true, RegionSummaryWindow = TimeSpan.FromSeconds(2),
            // Short backoff, so a store retries soon after a cut.
            ConfigureStoreLinks = o => o.MaxBackoff = TimeSpan.FromMilliseconds(500),
            ConfigureServices = (id, services) =>
            {
                if (!id.Contains("-s", StringComparison.Ordinal)) return;
                services.AddSingleton<IModelInstaller, FakeModelInstaller>();
                services.AddSingleton<IHardwareCapabilitiesSource, FakeHardware>();
            },
        });
        // A parent serves artifacts only to children whose uplink it has heard from: wait for that,
        // so no test's first fetch races the first uplink batch.
        foreach (var region in Fleet.Regions)
        {
            await KnownAt(Fleet.Cloud, EdgeNames.CloudKey, region.Id);
            foreach (var store in Fleet.Stores) await KnownAt(region, region.Id, store.Id);
        }
    }

    private static Task KnownAt(EdgeTierHost parent, string parentOrigin, string child) =>
        Eventually.Get(() => parent.Grains.GetGrain<IInboxDirectoryGrain>(parentOrigin).GetOrigins(),
            origins => origins.Contains(child), $"{child}'s uplink heard at {parent.Id}", TimeSpan.FromSeconds(30));

    public async Task DisposeAsync()
    {
        await Fleet.StopAsync();
        await Fleet.DisposeAsync();
    }

    public static FakeHardware Hardware(EdgeTierHost store) => (FakeHardware)store.Get<IHardwareCapabilitiesSource>()!;

    public static FakeModelInstaller Installer(EdgeTierHost store) => (FakeModelInstaller)store.Get<IModelInstaller>()!;

    public static ModelTransferMetrics Transfers(EdgeTierHost host) => host.Get<ModelTransferMetrics>()!;

    /// <summary>Registers <paramref name="size"/> random bytes as <paramref name="version"/>.</summary>
    public async Task<(ModelManifest Manifest, byte[] Bytes)> Register(string version, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var result = await Registry.Register(Manifest(version), bytes);
        Assert.Empty(result.Problems);
        return (result.Manifest!, bytes);
    }

    /// <summary>A manifest draft: the registry fills in SHA-256 and size.</summary>
    public static ModelManifest Manifest(string version) =>
        new(version, "", 0, "fp32", [-1, 3, 64, 96], [-1, 8, 3], [-1, 8, 4], new Dictionary<string, double> { ["lab_accuracy"] = 0.9 });
}

/// <summary>The model tests boot their own fleets (a class fixture each) one class at a time: the machine is small.</summary>
[CollectionDefinition(Name)]
public sealed class ModelFleetCollection
{
    public const string Name = "model-fleet";
}
