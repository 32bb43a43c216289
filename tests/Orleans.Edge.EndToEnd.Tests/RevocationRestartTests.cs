using Grpc.Core;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Trust;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// A region that crashes (kill -9 in effect: nothing flushed) while a store revoked at the cloud is on
/// its deny-list comes back with the list in force before its link listener opens: the revoked store
/// is refused from its first call after the restart, and its genuine sibling is served.
/// </summary>
public sealed class RevocationRestartTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-revocation-restart-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RegionCrashedWithARevocationInForce_RefusesTheRevokedStoreFromItsFirstCallAfterRestart()
    {
        await using var fleet = await LocalFleet.StartAsync(new LocalFleetOptions { Regions = 1, StoresPerRegion = 2, DataDirectory = _dataDir });
        var (regionId, revokedStore) = (fleet.Regions[0].Id, fleet.Stores[1].Id);
        var revoked = EdgeIdentity.Store(regionId, revokedStore);
        var spiffe = NodeIdentity.From(TrustSettings.DefaultTrustDomain, revoked).ToString();
        var published = await fleet.Cloud.Grains.GetGrain<IRevocationListGrain>(EdgeNames.CloudKey).Revoke(spiffe, "test: stolen");
        await Eventually.Get(() => fleet[regionId].Grains.GetGrain<IRevocationListGrain>(regionId).Get(), l => l.Version >= published.Version,
            "the deny-list at the region", TimeSpan.FromSeconds(15));

        await fleet.CrashAsync(regionId);
        var region = await fleet.RestartAsync(regionId);

        // In force as the start returned, before any wait: the list was read before the listener opened.
        Assert.True(region.LinkTrust!.PublishedRevocationsVersion >= published.Version,
            $"the restarted region holds deny-list v{region.LinkTrust.PublishedRevocationsVersion}, not v{published.Version}");
        using var refusals = new Attacks.RefusalCounter();
        using var links = new ChildLinks(region);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await links.As(revoked).PushAsync(new TierLink.Protocol.UpBatch { ChildId = revokedStore, Epoch = 1 }));
        // Refused at the handshake (the connection fails, nothing is served), for being revoked.
        Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"expected a failed connection, got {refused.StatusCode}");
        Assert.True(refusals[PeerRefusal.Revoked] > 0, "the handshake was not refused as revoked");
        // The genuine sibling's own link comes back and delivers.
        var sibling = fleet.Stores[0];
        await using var client = await FleetFixture.Connect(sibling);
        var (_, cell) = await FleetFixture.NewShelf(client, "after-restart");
        await FleetFixture.Put(client, cell, 0);
        await Eventually.Get(() => Task.FromResult(sibling.Outbox!.Count), n => n == 0, "the sibling's events acked by the restarted region", TimeSpan.FromSeconds(30));
        await fleet.StopAsync();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }
}
