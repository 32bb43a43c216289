using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Models;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;

namespace Orleans.Edge.Hosting.Models;

/// <summary>
/// The region's artifact cache: its own <see cref="IArtifactStore"/>, filled from the cloud on a
/// miss. Concurrent misses for one hash share one transfer, so the cloud sends each artifact to a
/// region once; a transfer cut mid-way resumes from the partial file on the next request.
/// </summary>
public sealed partial class RegionArtifactCache(
    IArtifactStore store,
    ArtifactDownloader downloader,
    ModelTransferMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<RegionArtifactCache> logger) : IArtifactUpstream
{
    private readonly Dictionary<string, Task<long>> _inflight = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<long> EnsureLocalAsync(string sha256, CancellationToken cancellationToken)
    {
        if (await store.GetLengthAsync(sha256, cancellationToken) is { } held)
        {
            // Re-verified before every transfer to a child (not per chunk): one sequential read and
            // SHA-256 of the artifact per FetchArtifact call, ~0.2 s for a 64 MB model, against a copy
            // that rotted or was overwritten on the region's disk being served to every store, each of
            // which would refuse the model for good after MaxHashFailures.
            var actual = await ArtifactNames.HashHeldAsync(store, sha256, cancellationToken);
            if (actual == sha256) return held;
            if (actual is not null)
            {
                metrics.OnCacheCorruption();
                LogCorrupt(logger, sha256, actual);
                await store.DeleteAsync(sha256, cancellationToken);
            }
        }
        Task<long> transfer;
        lock (_inflight)
        {
            if (!_inflight.TryGetValue(sha256, out transfer!))
                _inflight[sha256] = transfer = FillAsync(sha256);
        }
        // One caller giving up does not stop the transfer the others wait for.
        return await transfer.WaitAsync(cancellationToken);
    }

    private async Task<long> FillAsync(string sha256)
    {
        await Task.Yield();
        try
        {
            // A transfer that finished between the caller's look and its lock: nothing to fetch.
            if (await store.GetLengthAsync(sha256, lifetime.ApplicationStopping) is { } held) return held;
            LogFilling(logger, sha256);
            var path = await downloader.DownloadAsync(sha256, null, lifetime.ApplicationStopping);
            var bytes = await File.ReadAllBytesAsync(path, lifetime.ApplicationStopping);
            await store.PutAsync(sha256, bytes, lifetime.ApplicationStopping);
            File.Delete(path);
            metrics.OnUpstreamTransfer();
            return bytes.Length;
        }
        catch (ArtifactIntegrityException ex)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"the region's copy from the cloud failed its check: {ex.Message}"));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"the cloud has no artifact {sha256}: {ex.Status.Detail}"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The region cannot reach (or is not yet known to) the cloud: the store retries later, and the next attempt resumes.
            LogFillFailed(logger, sha256, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, $"the region could not fetch artifact {sha256} from the cloud yet: {ex.Message}"));
        }
        finally
        {
            lock (_inflight) _inflight.Remove(sha256);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Region's cached artifact {Sha256} hashes to {Actual}; deleted it and fetching it again from the cloud")]
    private static partial void LogCorrupt(ILogger logger, string sha256, string actual);

    [LoggerMessage(Level = LogLevel.Information, Message = "Region cache miss: fetching artifact {Sha256} from the cloud")]
    private static partial void LogFilling(ILogger logger, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region could not fetch artifact {Sha256} from the cloud: {Error}")]
    private static partial void LogFillFailed(ILogger logger, string sha256, string error);
}
