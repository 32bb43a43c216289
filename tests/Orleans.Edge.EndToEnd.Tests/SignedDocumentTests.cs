using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.EndToEnd.Tests.Models;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Vision;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// Policies and model assignments signed at the cloud, relayed untouched by the region, verified at the store; a region
/// that changes what it relays is caught by the store. Each test has its own fleet (cloud, one region, one store), since
/// a tampering region spoils its relay.
/// </summary>
public sealed class SignedDocumentTests : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    private EdgeTierHost Region => _fleet.Regions[0];
    private EdgeTierHost Store => _fleet.Stores[0];
    private IPolicyGrain Policies => _fleet.Cloud.Grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey);
    private IModelRegistryGrain Registry => _fleet.Cloud.Grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey);
    private IFleetGrain CloudFleet => _fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(new LocalFleetOptions
    {
        Regions = 1, StoresPerRegion = 1, RegionSummaryWindow = TimeSpan.FromSeconds(2),
        ConfigureServices = (id, services) =>
        {
            if (id.Contains("-s", StringComparison.Ordinal)) services.AddSingleton<IModelInstaller, FakeModelInstaller>();
        },
    });

    public async Task DisposeAsync()
    {
        await _fleet.StopAsync();
        await _fleet.DisposeAsync();
    }

    private async Task<PolicyDocument> SetStorePolicy(int units)
    {
        var result = await Policies.SetPolicy(PolicyScope.ForStore(Region.Id, Store.Id),
            ReplenishmentPolicy.Default with { LowStockThresholdUnits = units, LowStockThresholdFraction = null });
        Assert.Empty(result.Problems);
        return result.Document!;
    }

    private Task<EffectivePolicy> PolicyAtStore() => Store.Grains.GetGrain<IStoreConfigGrain>(Store.Id).GetEffectivePolicy(new Domain.ShelfId("sig-shelf"));

    [Fact]
    public async Task SignedPolicyAndAssignment_ApplyEndToEnd_WithTheCloudsSignatureRelayedUntouched()
    {
        var doc = await SetStorePolicy(6);
        Assert.NotNull(doc.Signature);
        var applied = await Eventually.Get(PolicyAtStore, p => p.Version == doc.Version, "the signed policy applied at the store", TimeSpan.FromSeconds(20));
        Assert.Equal(6, applied.Policy.LowStockThresholdUnits);
        var relayed = await Region.Grains.GetGrain<IRegionConfigGrain>(Region.Id).GetNewer(0, Region.Id, Store.Id);
        Assert.Equal(doc.Signature, relayed.Single(d => d.Version == doc.Version).Signature);

        var registered = await Registry.Register(ModelFleetFixture.Manifest("signed-v1"), [1, 2, 3, 4]);
        Assert.Empty(registered.Problems);
        var assigned = await Registry.Assign(PolicyScope.ForStore(Region.Id, Store.Id), "signed-v1");
        Assert.Empty(assigned.Problems);
        var target = await Eventually.Get(() => Store.Grains.GetGrain<IStoreModelGrain>(Store.Id).GetTarget(),
            t => t?.Version == assigned.Assignment!.Version, "the signed assignment at the store", TimeSpan.FromSeconds(20));
        Assert.Equal(assigned.Assignment!.Signature, target!.Signature);
        Assert.Empty(Store.Services.GetRequiredService<SignedDocumentGate>().Rejected);
        Assert.Empty(Region.Services.GetRequiredService<SignedDocumentGate>().Rejected);
    }

    [Fact]
    public async Task RegionThatTampersARelayedPolicy_IsCaughtAtTheStore_WhichKeepsItsPolicy_AndTellsTheCloud()
    {
        var doc = await SetStorePolicy(6);
        await Eventually.Get(PolicyAtStore, p => p.Version == doc.Version, "the signed policy applied at the store", TimeSpan.FromSeconds(20));

        // The region relays the cloud's document with a lower threshold (and the version a real change would have).
        var forged = doc with { Version = doc.Version + 1, Policy = doc.Policy with { LowStockThresholdUnits = 0 } };
        await Region.Grains.GetGrain<IRegionConfigGrain>(Region.Id).Apply([forged]);

        var gate = Store.Services.GetRequiredService<SignedDocumentGate>();
        await Eventually.Get(() => Task.FromResult(gate.Rejected.GetValueOrDefault((SignatureRejection.Tampered, "policy"))), n => n >= 1,
            "the store to refuse the tampered document", TimeSpan.FromSeconds(20));
        var atStore = await PolicyAtStore();
        Assert.Equal((6, doc.Version), (atStore.Policy.LowStockThresholdUnits, atStore.Version));
        var view = await Eventually.Get(CloudFleet.GetView,
            v => v.Stores.Any(s => s.StoreId == Store.Id && s.PolicyRejection?.Contains("tampered", StringComparison.Ordinal) == true),
            "the refusal in the cloud's fleet view", TimeSpan.FromSeconds(20));
        Assert.Equal(doc.Version + 1, view.Stores.Single(s => s.StoreId == Store.Id).RejectedPolicyVersion);
    }

    [Fact]
    public async Task RegionThatTampersARelayedModelManifest_IsCaughtAtTheStore_AndTellsTheCloud()
    {
        Assert.Empty((await Registry.Register(ModelFleetFixture.Manifest("signed-v2"), [5, 6, 7, 8])).Problems);
        var assigned = (await Registry.Assign(PolicyScope.ForStore(Region.Id, Store.Id), "signed-v2")).Assignment!;
        var models = Store.Grains.GetGrain<IStoreModelGrain>(Store.Id);
        await Eventually.Get(models.GetTarget, t => t?.Version == assigned.Version, "the signed assignment at the store", TimeSpan.FromSeconds(20));

        // The region points the store at other bytes: another SHA-256 in the manifest it relays.
        var forged = assigned with { Version = assigned.Version + 1, Manifest = assigned.Manifest with { Sha256 = new string('e', 64) } };
        await Region.Grains.GetGrain<IRegionModelRelayGrain>(Region.Id).Apply([forged]);

        var status = await Eventually.Get(models.GetStatus, s => s.Refusal is not null, "the store to refuse the tampered assignment", TimeSpan.FromSeconds(20));
        Assert.Contains("tampered:", status.Refusal, StringComparison.Ordinal);
        Assert.Equal("signed-v2", status.RefusedAssignment);
        Assert.Equal(assigned.Manifest.Sha256, (await models.GetTarget())!.Manifest.Sha256);
        Assert.Equal(1, Store.Services.GetRequiredService<SignedDocumentGate>().Rejected[(SignatureRejection.Tampered, "model")]);
        await Eventually.Get(CloudFleet.GetView,
            v => v.Stores.Any(s => s.StoreId == Store.Id && s.ModelRejection?.Contains("tampered", StringComparison.Ordinal) == true),
            "the refusal in the cloud's fleet view", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task RegionThatStripsAnEntryFromTheRelayedDenyList_IsCaughtAtTheStore_WhichKeepsItsList_AndTellsTheCloud()
    {
        var cloudList = _fleet.Cloud.Grains.GetGrain<IRevocationListGrain>(EdgeNames.CloudKey);
        await cloudList.Revoke("spiffe://orleans-edge.dev/region/r1/store/r1-s99", "signed deny-list test");
        var published = await cloudList.Revoke("0badc0de", "signed deny-list test");
        Assert.NotNull(published.Signature);
        var storeList = Store.Grains.GetGrain<IRevocationListGrain>(Store.Id);
        var held = await Eventually.Get(storeList.Get, l => l.Version == published.Version, "the signed deny-list at the store", TimeSpan.FromSeconds(20));
        Assert.Equal(published.Entries, held.Entries);
        Assert.Equal(published.Signature, held.Signature);

        // The region relays the cloud's signed list without the store's revocation, under the version a real change would have.
        var stripped = published with { Version = published.Version + 1, Entries = [.. published.Entries.Where(e => !e.StartsWith("spiffe:", StringComparison.Ordinal))] };
        Assert.True(await Region.Grains.GetGrain<IRevocationListGrain>(Region.Id).Apply(stripped));

        var gate = Store.Services.GetRequiredService<SignedDocumentGate>();
        await Eventually.Get(() => Task.FromResult(gate.Rejected.GetValueOrDefault((SignatureRejection.Tampered, SignedDocumentGate.DenyList))), n => n >= 1,
            "the store to refuse the stripped deny-list", TimeSpan.FromSeconds(20));
        var kept = await storeList.Get();
        Assert.Equal(published.Version, kept.Version);
        Assert.Equal(published.Entries, kept.Entries);
        Assert.Empty(Region.Services.GetRequiredService<SignedDocumentGate>().Rejected);
        await Eventually.Get(CloudFleet.GetView,
            v => v.Stores.Any(s => s.StoreId == Store.Id && s.DenyListRejection?.StartsWith($"deny-list v{stripped.Version}: tampered:", StringComparison.Ordinal) == true),
            "the refusal in the cloud's fleet view", TimeSpan.FromSeconds(20));
    }
}
