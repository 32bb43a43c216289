using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;

namespace Orleans.Edge.EndToEnd.Tests.Models;

/// <summary>A model version with an fp32 and an int8 artifact: each store installs the variant its hardware names.</summary>
[Collection(ModelFleetCollection.Name)]
public sealed class ModelVariantTests(ModelFleetFixture fx) : IClassFixture<ModelFleetFixture>
{
    private static readonly TimeSpan Transfer = TimeSpan.FromSeconds(60);

    private async Task<(Vision.ModelManifest Manifest, byte[] Bytes)> Register(string version, string variant, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var result = await fx.Registry.Register(ModelFleetFixture.Manifest(version) with { Variant = variant }, bytes);
        Assert.Empty(result.Problems);
        return (result.Manifest!, bytes);
    }

    private static Task<Vision.ModelManifest> Installed(Hosting.EdgeTierHost store, string version) =>
        Eventually.Get(() => Task.FromResult(ModelFleetFixture.Installer(store).Offered.LastOrDefault().Manifest),
            m => m?.Version == version, $"{version} at {store.Id}", Transfer)!;

    [Fact]
    public async Task EachStore_InstallsTheVariantItsHardwareNames_AndFallsBackToFp32WhenItIsNotRegistered()
    {
        var (int8Store, fp32Store) = (fx.Store2, fx.Store1);
        ModelFleetFixture.Hardware(int8Store).ServeVariant("int8");

        var (fp32, fp32Bytes) = await Register("shelf-v2", "fp32", 96 * 1024);
        var (int8, int8Bytes) = await Register("shelf-v2", "int8", 48 * 1024);
        Assert.NotEqual(fp32.Sha256, int8.Sha256);
        // A second variant leaves the first as it was; another artifact under a registered (version, variant) is refused.
        Assert.Equal(fp32.Sha256, (await fx.Registry.Get("shelf-v2"))!.Sha256);
        var clash = await fx.Registry.Register(ModelFleetFixture.Manifest("shelf-v2") with { Variant = "int8" }, [1, 2, 3]);
        Assert.Null(clash.Manifest);
        Assert.Contains(clash.Problems, p => p.Contains("variant 'int8'", StringComparison.Ordinal) && p.Contains("other bytes", StringComparison.Ordinal));
        Assert.Equal(2, (await fx.Registry.List()).Count(m => m.Version == "shelf-v2"));

        var assigned = await fx.Registry.Assign(PolicyScope.Global, "shelf-v2");
        Assert.Empty(assigned.Problems);
        Assert.Equal(2, assigned.Assignment!.Variants!.Count);

        var atInt8 = await Installed(int8Store, "shelf-v2");
        var atFp32 = await Installed(fp32Store, "shelf-v2");
        Assert.Equal((int8.Sha256, "int8"), (atInt8.Sha256, atInt8.Variant));
        Assert.Equal(int8Bytes, ModelFleetFixture.Installer(int8Store).BytesOf("shelf-v2"));
        Assert.Equal((fp32.Sha256, "fp32"), (atFp32.Sha256, atFp32.Variant));
        Assert.Equal(fp32Bytes, ModelFleetFixture.Installer(fp32Store).BytesOf("shelf-v2"));

        var fleet = fx.Fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView, v =>
            v.Stores.Any(s => s.StoreId == int8Store.Id && s.AppliedModelVersion == "shelf-v2" && s.AppliedModelVariant == "int8")
            && v.Stores.Any(s => s.StoreId == fp32Store.Id && s.AppliedModelVersion == "shelf-v2" && s.AppliedModelVariant == "fp32"),
            "each store's variant at the cloud", Transfer);
        Assert.All(view.Stores, s => Assert.Null(s.ModelVariantFallback));

        // A version registered only as fp32: the int8 store serves fp32 and says so.
        var (v3, v3Bytes) = await Register("shelf-v3", "fp32", 64 * 1024);
        Assert.Empty((await fx.Registry.Assign(PolicyScope.Global, "shelf-v3")).Problems);
        var fallback = await Installed(int8Store, "shelf-v3");
        Assert.Equal((v3.Sha256, "fp32"), (fallback.Sha256, fallback.Variant));
        Assert.Equal(v3Bytes, ModelFleetFixture.Installer(int8Store).BytesOf("shelf-v3"));
        var status = await Eventually.Get(int8Store.Grains.GetGrain<IStoreModelGrain>(int8Store.Id).GetStatus,
            s => s.AppliedVersion == "shelf-v3", "shelf-v3 recorded at the int8 store", Transfer);
        Assert.Equal("fp32", status.AppliedVariant);
        Assert.Contains("int8 is not registered", status.VariantFallback, StringComparison.Ordinal);
        await Eventually.Get(fleet.GetView, v => v.Stores.Any(s => s.StoreId == int8Store.Id && s.AppliedModelVersion == "shelf-v3"
            && s.AppliedModelVariant == "fp32" && s.ModelVariantFallback?.Contains("int8", StringComparison.Ordinal) == true),
            "the fallback reported at the cloud", Transfer);
    }
}
