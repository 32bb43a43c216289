using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Hosting;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink;
using Orleans.Edge.Vision;

namespace Orleans.Edge.EndToEnd.Tests.Models;

/// <summary>The production profile: the registry's and the region cache's artifacts live in Redis, and the store's downlink runs under its uplink owner.</summary>
[Collection(ModelFleetCollection.Name)]
public sealed class ModelDeliveryProductionTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [SkippableFact]
    public async Task ModelRegisteredAtACloudOnRedis_ReachesAStoreThroughTheRegionsRedisCache()
    {
        Skip.If(redis.Problem is not null, redis.Problem);
        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), RedisConfiguration = redis.Configuration,
            Trust = { CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Cloud), SignerDirectory = ChildLinks.SignerOf() },
        });
        await cloud.StartAsync();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "prod-mr", ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(),
            LinkPort = FreePorts.Next(), RedisConfiguration = redis.Configuration,
            Trust = { CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Region("prod-mr")) },
        });
        await region.StartAsync();
        await using var store = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = "prod-ms1", RegionId = "prod-mr", ParentAddress = region.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(),
            RedisConfiguration = redis.Configuration, ConfigureServices = s => s.AddSingleton<IModelInstaller, FakeModelInstaller>(),
            Trust = { CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Store("prod-mr", "prod-ms1")) },
        });
        await store.StartAsync();

        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        var registry = cloud.Grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey);
        var manifest = (await registry.Register(ModelFleetFixture.Manifest("prod-model-v1"), bytes)).Manifest!;
        Assert.Equal(bytes.Length, await cloud.Get<IArtifactStore>()!.GetLengthAsync(manifest.Sha256, CancellationToken.None));
        Assert.Empty((await registry.Assign(PolicyScope.ForRegion("prod-mr"), manifest.Version)).Problems);

        var installer = (FakeModelInstaller)store.Get<IModelInstaller>()!;
        await Eventually.Get(() => Task.FromResult(installer.CurrentVersion), v => v == manifest.Version, "the model at the store", TimeSpan.FromSeconds(60));
        Assert.Equal(bytes, installer.BytesOf(manifest.Version));
        Assert.Equal(bytes.Length, await region.Get<IArtifactStore>()!.GetLengthAsync(manifest.Sha256, CancellationToken.None));
        Assert.Equal(bytes.Length, cloud.Get<ModelTransferMetrics>()!.BytesServed);
        await store.StopAsync();
        await region.StopAsync();
        await cloud.StopAsync();
    }
}
