using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Hosting.Storage;
using Orleans.Edge.Models;
using StackExchange.Redis;

namespace Orleans.Edge.Hosting.Tests;

/// <summary>Both artifact stores, the file one (embedded profile) and the Redis one (production), read back what they were given, at any offset.</summary>
public sealed class ArtifactStoreTests(StorageProfiles profiles) : IClassFixture<StorageProfiles>
{
    [SkippableTheory]
    [InlineData(StorageProfiles.Embedded)]
    [InlineData(StorageProfiles.Production)]
    public async Task Artifact_ReadsBackInChunks_FromAnyOffset(string profile)
    {
        _ = profiles.Services(profile);   // skips the production case without redis-server
        IArtifactStore store = profile == StorageProfiles.Embedded
            ? new FileArtifactStore(Path.Combine(profiles.DataDirectory, "artifacts-test"))
            : new RedisArtifactStore(async () => (await ConnectionMultiplexer.ConnectAsync(profiles.Redis.Configuration)).GetDatabase(), "cloud-test");
        var bytes = new byte[300_001];
        Random.Shared.NextBytes(bytes);
        var sha = ArtifactNames.Sha256Of(bytes);

        Assert.Null(await store.GetLengthAsync(sha, CancellationToken.None));
        await store.PutAsync(sha, bytes, CancellationToken.None);
        Assert.Equal(bytes.Length, await store.GetLengthAsync(sha, CancellationToken.None));

        var back = new MemoryStream();
        var buffer = new byte[128 * 1024];
        for (long offset = 1000; ;)
        {
            var n = await store.ReadAsync(sha, offset, buffer, CancellationToken.None);
            if (n == 0) break;
            back.Write(buffer, 0, n);
            offset += n;
        }
        Assert.Equal(bytes.AsSpan(1000).ToArray(), back.ToArray());
        Assert.Equal(sha, await ArtifactNames.HashHeldAsync(store, sha, CancellationToken.None));
        await store.DeleteAsync(sha, CancellationToken.None);
        Assert.Null(await store.GetLengthAsync(sha, CancellationToken.None));
        Assert.Null(await ArtifactNames.HashHeldAsync(store, sha, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetLengthAsync("../etc/passwd", CancellationToken.None));
    }
}
