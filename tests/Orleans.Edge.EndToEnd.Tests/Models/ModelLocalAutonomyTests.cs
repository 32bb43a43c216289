using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Vision;

namespace Orleans.Edge.EndToEnd.Tests.Models;

/// <summary>A store restarted while its link is down still serves its last model: it keeps its own copy.</summary>
[Collection(ModelFleetCollection.Name)]
public sealed class ModelLocalAutonomyTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("edge-models-").FullName;
    private Simulation.LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await Simulation.LocalFleet.StartAsync(new Simulation.LocalFleetOptions
    {
        Regions = 1, StoresPerRegion = 1, FaultProxies = true, DataDirectory = _data,
        ConfigureServices = (id, services) =>
        {
            if (id.Contains("-s", StringComparison.Ordinal)) services.AddSingleton<IModelInstaller, FakeModelInstaller>();
        },
    });

    public async Task DisposeAsync()
    {
        await _fleet.StopAsync();
        await _fleet.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task StoreRestartedWhileItsLinkIsDown_InstallsItsLastModelFromItsOwnCopy()
    {
        var store = _fleet.Stores[0];
        var bytes = new byte[200_000];
        Random.Shared.NextBytes(bytes);
        var registry = _fleet.Cloud.Grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey);
        var manifest = (await registry.Register(ModelFleetFixture.Manifest("local-v1"), bytes)).Manifest!;
        await registry.Assign(PolicyScope.Global, manifest.Version);
        await Eventually.Get(() => Task.FromResult(ModelFleetFixture.Installer(store).CurrentVersion), v => v == manifest.Version, "the model at the store", TimeSpan.FromSeconds(60));

        _fleet.LinkOf(store.Id)!.Cut();
        await _fleet.CrashAsync(store.Id);
        var restarted = await _fleet.RestartAsync(store.Id);
        var installer = ModelFleetFixture.Installer(restarted);
        await Eventually.Get(() => Task.FromResult(installer.CurrentVersion), v => v == manifest.Version, "the model after the restart", TimeSpan.FromSeconds(60));
        Assert.Equal(bytes, installer.BytesOf(manifest.Version));
        Assert.Equal(0, ModelFleetFixture.Transfers(restarted).BytesFetched);   // nothing came over the (cut) link
    }
}
