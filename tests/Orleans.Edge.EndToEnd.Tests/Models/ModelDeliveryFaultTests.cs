using Grpc.Core;
using Grpc.Net.Client;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests.Models;

[Collection(ModelFleetCollection.Name)]
public sealed class ModelDeliveryFaultTests(ModelFleetFixture fx) : IClassFixture<ModelFleetFixture>
{
    private static readonly TimeSpan Transfer = TimeSpan.FromSeconds(60);

    private static Task<string?> Applied(Hosting.EdgeTierHost store, string version) =>
        Eventually.Get(() => Task.FromResult(ModelFleetFixture.Installer(store).CurrentVersion), v => v == version, $"{version} at {store.Id}", Transfer);

    private Task Assign(Hosting.EdgeTierHost store, string version) =>
        fx.Registry.Assign(PolicyScope.ForStore(fx.Region.Id, store.Id), version).ContinueWith(t => Assert.Empty(t.Result.Problems), TaskScheduler.Default);

    [Fact]
    public async Task TransferCutMidway_ResumesFromWhereItStopped_NotFromTheStart()
    {
        var store = fx.Store2;
        var proxy = fx.Fleet.LinkOf(store.Id)!;
        var transfers = ModelFleetFixture.Transfers(store);
        var (fetched, resumes) = (transfers.BytesFetched, transfers.Resumes);
        var (manifest, bytes) = await fx.Register("resume-v1", 3 * 1024 * 1024);
        // Let the region's cache fill first, so the cut falls on the store's own transfer.
        await fx.Region.Get<IArtifactUpstream>()!.EnsureLocalAsync(manifest.Sha256, CancellationToken.None);

        proxy.Delay(TimeSpan.FromMilliseconds(20));   // ~16 KiB per 20 ms: seconds for 3 MiB
        try
        {
            await Assign(store, manifest.Version);
            await Eventually.Get(() => Task.FromResult(transfers.BytesFetched - fetched), n => n >= 256 * 1024, "part of the artifact at the store", Transfer);
            proxy.Cut();
            var cutAt = transfers.BytesFetched - fetched;
            Assert.True(cutAt < bytes.Length, $"the transfer finished ({cutAt} bytes) before the cut");
            await Task.Delay(500);   // the link stays down a while (not a wait for a condition)
            proxy.Restore();
        }
        finally
        {
            proxy.Delay(TimeSpan.Zero);
            proxy.Restore();
        }

        await Applied(store, manifest.Version);
        Assert.Equal(bytes, ModelFleetFixture.Installer(store).BytesOf(manifest.Version));
        Assert.True(transfers.Resumes > resumes, "the store never resumed");
        Assert.True(transfers.LastResumeOffset > 0, $"resumed from offset {transfers.LastResumeOffset}");
        var total = transfers.BytesFetched - fetched;
        Assert.True(total < 2L * bytes.Length, $"fetched {total} bytes for a {bytes.Length}-byte artifact: it restarted");
    }

    [Fact]
    public async Task RegionCache_ServesASecondStore_WithoutASecondCloudTransfer()
    {
        var (cloud, region) = (ModelFleetFixture.Transfers(fx.Fleet.Cloud), ModelFleetFixture.Transfers(fx.Region));
        var (cloudServed, regionServed) = (cloud.BytesServed, region.BytesServed);
        var (manifest, bytes) = await fx.Register("cache-v1", 512 * 1024);

        await Assign(fx.Store1, manifest.Version);
        await Applied(fx.Store1, manifest.Version);
        Assert.Equal(bytes.Length, cloud.BytesServed - cloudServed);

        await Assign(fx.Store2, manifest.Version);
        await Applied(fx.Store2, manifest.Version);
        Assert.Equal(bytes, ModelFleetFixture.Installer(fx.Store2).BytesOf(manifest.Version));
        Assert.Equal(bytes.Length, cloud.BytesServed - cloudServed);          // still once
        Assert.Equal(2L * bytes.Length, region.BytesServed - regionServed);   // both stores from the cache
    }

    [Fact]
    public async Task ArtifactNotMatchingItsHash_IsRejectedAndReportedUp_WhileThePreviousModelStays()
    {
        var store = fx.Store1;
        var (good, _) = await fx.Register("hash-good", 64 * 1024);
        await Assign(store, good.Version);
        await Applied(store, good.Version);

        // The cloud and the region hold other bytes under the new model's name (a corrupt or forged
        // copy at the source: the region's re-check finds it, and fetching it again does not help).
        var (bad, _) = await fx.Register("hash-bad", 64 * 1024);
        var forged = new byte[bad.SizeBytes];
        Random.Shared.NextBytes(forged);
        await fx.Fleet.Cloud.Get<IArtifactStore>()!.PutAsync(bad.Sha256, forged, CancellationToken.None);
        await fx.Region.Get<IArtifactStore>()!.PutAsync(bad.Sha256, forged, CancellationToken.None);
        await Assign(store, bad.Version);

        var models = store.Grains.GetGrain<IStoreModelGrain>(store.Id);
        var status = await Eventually.Get(models.GetStatus, s => s.RejectedVersion == bad.Version, "the store to refuse hash-bad", Transfer);
        Assert.Contains("SHA-256", status.Rejection, StringComparison.Ordinal);
        Assert.Equal(bad.Sha256, status.RejectedSha256);
        var installer = ModelFleetFixture.Installer(store);
        Assert.Equal(good.Version, installer.CurrentVersion);
        Assert.DoesNotContain(installer.Offered, o => o.Manifest.Version == bad.Version);
        Assert.False(File.Exists(store.Get<TierLink.Child.ArtifactDownloader>()!.PartialPathOf(bad.Sha256)), "the bad partial file was kept");

        var fleet = fx.Fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var view = await Eventually.Get(fleet.GetView, v => v.Stores.Any(s => s.StoreId == store.Id && s.RejectedModelVersion == bad.Version), "the refusal at the cloud");
        var entry = view.Stores.Single(s => s.StoreId == store.Id);
        Assert.Equal(good.Version, entry.AppliedModelVersion);
        Assert.Contains("SHA-256", entry.ModelRejection, StringComparison.Ordinal);

        // Not retried for ever: the count of hash failures stops growing.
        var failures = ModelFleetFixture.Transfers(store).HashFailures;
        await Task.Delay(1500);
        Assert.Equal(failures, ModelFleetFixture.Transfers(store).HashFailures);
    }

    [Fact]
    public async Task RegionCacheCorruptedOnDisk_IsFetchedAgainFromTheCloudOnce_AndTheNextStoreGetsTheRightModel()
    {
        var (cloud, region) = (ModelFleetFixture.Transfers(fx.Fleet.Cloud), ModelFleetFixture.Transfers(fx.Region));
        var (cloudServed, upstream, corruptions) = (cloud.BytesServed, region.UpstreamTransfers, region.CacheCorruptions);
        var (manifest, bytes) = await fx.Register("rot-v1", 256 * 1024);
        await Assign(fx.Store1, manifest.Version);
        await Applied(fx.Store1, manifest.Version);
        Assert.Equal(upstream + 1, region.UpstreamTransfers);

        // Bit rot in the region's cached file, on disk, between the two stores' fetches.
        var cached = Path.Combine(fx.Region.Get<Microsoft.Extensions.Options.IOptions<TierLink.ModelDeliveryOptions>>()!.Value.Directory!, "store", manifest.Sha256);
        await using (var file = new FileStream(cached, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 100_000;
            var b = file.ReadByte();
            file.Position = 100_000;
            file.WriteByte((byte)(b ^ 0x5a));
        }

        var hashFailures = ModelFleetFixture.Transfers(fx.Store2).HashFailures;
        await Assign(fx.Store2, manifest.Version);
        await Applied(fx.Store2, manifest.Version);
        Assert.Equal(bytes, ModelFleetFixture.Installer(fx.Store2).BytesOf(manifest.Version));
        Assert.Equal(corruptions + 1, region.CacheCorruptions);
        Assert.Equal(upstream + 2, region.UpstreamTransfers);              // fetched again from the cloud, once
        Assert.Equal(2L * bytes.Length, cloud.BytesServed - cloudServed);
        Assert.Equal(hashFailures, ModelFleetFixture.Transfers(fx.Store2).HashFailures);
        Assert.NotEqual(manifest.Version, (await fx.Store2.Grains.GetGrain<IStoreModelGrain>(fx.Store2.Id).GetStatus()).RejectedVersion);
    }

    [Fact]
    public async Task PartialFileWithATornTail_IsDownloadedAgainFromZero_WithoutCountingAHashFailure()
    {
        var store = fx.Store1;
        var transfers = ModelFleetFixture.Transfers(store);
        var (hashFailures, restarts, resumes) = (transfers.HashFailures, transfers.Restarts, transfers.Resumes);
        var (manifest, bytes) = await fx.Register("torn-v1", 512 * 1024);

        // What a store killed mid-download may leave: a prefix of the right length whose tail is garbage.
        var downloader = store.Get<TierLink.Child.ArtifactDownloader>()!;
        var partial = downloader.PartialPathOf(manifest.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        var torn = bytes.AsSpan(0, 200 * 1024).ToArray();
        Random.Shared.NextBytes(torn.AsSpan(torn.Length - 8 * 1024));
        await File.WriteAllBytesAsync(partial, torn);

        await Assign(store, manifest.Version);
        await Applied(store, manifest.Version);
        Assert.Equal(bytes, ModelFleetFixture.Installer(store).BytesOf(manifest.Version));
        Assert.True(transfers.Resumes > resumes, "the store did not resume from the partial file");
        Assert.Equal(restarts + 1, transfers.Restarts);        // it said it restarted the download
        Assert.Equal(hashFailures, transfers.HashFailures);   // and counted no hash failure
        var status = await store.Grains.GetGrain<IStoreModelGrain>(store.Id).GetStatus();
        Assert.NotEqual(manifest.Version, status.RejectedVersion);
    }

    [Fact]
    public async Task AnotherRegionsStore_AndAnImpostor_AreRefused_AndAnUnknownHashIsNotFound()
    {
        var (manifest, _) = await fx.Register("auth-v1", 4096);
        using var links = new ChildLinks(fx.Region);

        // A store of another region holds a valid certificate of the fleet, but is not this region's child:
        // the region ends the TLS handshake, so nothing is served.
        var stranger = await Assert.ThrowsAsync<RpcException>(() =>
            Drain(links.As(EdgeIdentity.Store("elsewhere", "stranger")), "stranger", "elsewhere", "stranger", manifest.Sha256));
        ChildLinks.AssertHandshakeRefused(stranger);
        // A store of this region asking as another store is refused.
        var impostor = await Assert.ThrowsAsync<RpcException>(() => Drain(links.For(fx.Store1.Id), fx.Store1.Id, fx.Region.Id, fx.Store2.Id, manifest.Sha256));
        Assert.Equal(StatusCode.PermissionDenied, impostor.StatusCode);
        // A region asking the region (not its parent) is refused at the handshake too.
        var sibling = await Assert.ThrowsAsync<RpcException>(() => Drain(links.As(EdgeIdentity.Region("r9")), "r9", "r9", "", manifest.Sha256));
        ChildLinks.AssertHandshakeRefused(sibling);

        var missing = await Assert.ThrowsAsync<RpcException>(() => Drain(links.For(fx.Store1.Id), fx.Store1.Id, fx.Region.Id, fx.Store1.Id, new string('0', 64)));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        // The store itself gets the bytes.
        Assert.Equal(manifest.SizeBytes, await Drain(links.For(fx.Store1.Id), fx.Store1.Id, fx.Region.Id, fx.Store1.Id, manifest.Sha256));
    }

    [Fact]
    public async Task Registry_ComputesTheHash_AndRefusesBadNamesAndADuplicateVersionWithOtherBytes()
    {
        var (manifest, bytes) = await fx.Register("registry-v1", 1000);
        Assert.Equal((1000L, 64), (manifest.SizeBytes, manifest.Sha256.Length));

        var again = await fx.Registry.Register(ModelFleetFixture.Manifest("registry-v1"), bytes);
        Assert.True(again.AlreadyRegistered);
        var other = await fx.Registry.Register(ModelFleetFixture.Manifest("registry-v1"), [1, 2, 3]);
        Assert.Null(other.Manifest);
        Assert.Contains(other.Problems, p => p.Contains("other bytes", StringComparison.Ordinal));
        var badName = await fx.Registry.Register(ModelFleetFixture.Manifest("no spaces/allowed"), [1, 2, 3]);
        Assert.NotEmpty(badName.Problems);
        var wrongHash = await fx.Registry.Register(ModelFleetFixture.Manifest("registry-v2") with { Sha256 = new string('a', 64) }, [1, 2, 3]);
        Assert.Contains(wrongHash.Problems, p => p.Contains("hash to", StringComparison.Ordinal));
        var shelfScope = await fx.Registry.Assign(PolicyScope.ForShelf(fx.Region.Id, fx.Store1.Id, "a"), "registry-v1");
        Assert.NotEmpty(shelfScope.Problems);

        Assert.Contains(await fx.Registry.List(), m => m.Version == "registry-v1" && m.Sha256 == manifest.Sha256);
        Assert.Equal(1000, await fx.Fleet.Cloud.Get<IArtifactStore>()!.GetLengthAsync(manifest.Sha256, CancellationToken.None));
    }

    /// <summary>Reads a whole FetchArtifact stream; returns the bytes received.</summary>
    private static async Task<long> Drain(P.TierLink.TierLinkClient client, string child, string region, string store, string sha)
    {
        using var call = client.FetchArtifact(new P.ArtifactRequest { ChildId = child, RegionId = region, StoreId = store, Sha256 = sha });
        long total = 0;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync()) total += chunk.Data.Length;
        return total;
    }
}
