using Orleans.Edge.Models;
using StackExchange.Redis;

namespace Orleans.Edge.Hosting.Storage;

/// <summary>Artifacts as files named by their SHA-256 under one folder (embedded profile). A write lands whole or not at all.</summary>
public sealed class FileArtifactStore : IArtifactStore
{
    private readonly string _directory;

    /// <summary>Keeps artifacts under <paramref name="directory"/> (created if missing).</summary>
    public FileArtifactStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    /// <inheritdoc />
    public Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(sha256));
        return Task.FromResult<long?>(file.Exists ? file.Length : null);
    }

    /// <inheritdoc />
    public async Task<int> ReadAsync(string sha256, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
        stream.Position = offset;
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], cancellationToken);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <inheritdoc />
    public async Task PutAsync(string sha256, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var path = PathOf(sha256);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, bytes.ToArray(), cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(sha256));
        return Task.CompletedTask;
    }

    private string PathOf(string sha256) =>
        ArtifactNames.Problem(sha256) is { } problem ? throw new ArgumentException(problem, nameof(sha256)) : Path.Combine(_directory, sha256);
}

/// <summary>Artifacts as Redis strings (production profile), keyed by cluster and SHA-256; chunks are read with GETRANGE.</summary>
public sealed class RedisArtifactStore(Func<Task<IDatabase>> database, string clusterId) : IArtifactStore
{
    /// <inheritdoc />
    public async Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken)
    {
        var length = await (await database()).StringLengthAsync(Key(sha256));
        return length > 0 ? length : null;
    }

    /// <inheritdoc />
    public async Task<int> ReadAsync(string sha256, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length == 0) return 0;
        var value = (byte[]?)await (await database()).StringGetRangeAsync(Key(sha256), offset, offset + buffer.Length - 1);
        if (value is null) return 0;
        value.CopyTo(buffer);
        return value.Length;
    }

    /// <inheritdoc />
    public async Task PutAsync(string sha256, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await (await database()).StringSetAsync(Key(sha256), bytes);

    /// <inheritdoc />
    public async Task DeleteAsync(string sha256, CancellationToken cancellationToken) =>
        await (await database()).KeyDeleteAsync(Key(sha256));

    private RedisKey Key(string sha256) =>
        ArtifactNames.Problem(sha256) is { } problem ? throw new ArgumentException(problem, nameof(sha256)) : $"{EdgeNames.ServiceId}/{clusterId}/artifact/{sha256}";
}
