using Orleans.Edge.Grains;
using Orleans.Edge.Policies;

namespace Orleans.Edge.EndToEnd.Tests.Models;

[Collection(ModelFleetCollection.Name)]
public sealed class ModelRolloutTests(ModelFleetFixture fx) : IClassFixture<ModelFleetFixture>
{
    [Fact]
    public async Task ModelAssignedGlobally_ReachesEveryStoresInstaller_WithItsBytes_CrossingTheCloudLinkOnce_AndShowsAtTheCloud()
    {
        var (cloudServed, regionServed, regionTransfers) = (ModelFleetFixture.Transfers(fx.Fleet.Cloud).BytesServed,
            ModelFleetFixture.Transfers(fx.Region).BytesServed, ModelFleetFixture.Transfers(fx.Region).UpstreamTransfers);
        var (manifest, bytes) = await fx.Register("shelf-v1", 1024 * 1024);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), manifest.Sha256);

        var assigned = await fx.Registry.Assign(PolicyScope.Global, manifest.Version);
        Assert.Empty(assigned.Problems);

        foreach (var store in fx.Fleet.Stores)
        {
            var installer = ModelFleetFixture.Installer(store);
            await Eventually.Get(() => Task.FromResult(installer.CurrentVersion), v => v == "shelf-v1", $"shelf-v1 installed at {store.Id}", TimeSpan.FromSeconds(60));
            Assert.Equal(bytes, installer.BytesOf("shelf-v1"));
            var got = installer.Offered.Last().Manifest;
            Assert.Equal((manifest.Sha256, manifest.SizeBytes, manifest.Variant), (got.Sha256, got.SizeBytes, got.Variant));
            Assert.Equal(manifest.InputShape, got.InputShape);
            Assert.Equal(0.9, got.Metrics["lab_accuracy"]);
        }

        // Two stores fetched it; the cloud sent it to the region once, and the region served both.
        Assert.Equal(bytes.Length, ModelFleetFixture.Transfers(fx.Fleet.Cloud).BytesServed - cloudServed);
        Assert.Equal(1, ModelFleetFixture.Transfers(fx.Region).UpstreamTransfers - regionTransfers);
        Assert.Equal(2L * bytes.Length, ModelFleetFixture.Transfers(fx.Region).BytesServed - regionServed);

        // Reported state: the applied model shows at the cloud next to the applied policy version.
        var fleet = fx.Fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView,
            v => fx.Fleet.Stores.All(s => v.Stores.Any(e => e.StoreId == s.Id && e.AppliedModelVersion == "shelf-v1")), "applied model at the cloud");
        Assert.All(view.Stores.Where(e => e.StoreId.StartsWith("r1-s", StringComparison.Ordinal)), e => Assert.Null(e.RejectedModelVersion));
    }

    [Fact]
    public async Task StoreHardware_IsReportedState_AndAChangeReachesTheCloud()
    {
        var fleet = fx.Fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView, v => v.Stores.Any(s => s.StoreId == fx.Store1.Id && s.Hardware is not null), "hardware at the cloud");
        var hardware = view.Stores.Single(s => s.StoreId == fx.Store1.Id).Hardware!;
        Assert.Equal((2, "fp32", 5.0), (hardware.Cores, hardware.ModelVariant, hardware.FrameHzPerCamera));
        Assert.Equal(["CPUExecutionProvider"], hardware.ExecutionProviders);

        ModelFleetFixture.Hardware(fx.Store1).LowerFrameRate(2.5);
        await Eventually.Get(fleet.GetView, v => v.Stores.Any(s => s.StoreId == fx.Store1.Id && s.Hardware?.FrameHzPerCamera == 2.5), "the lowered frame rate at the cloud");
    }
}
