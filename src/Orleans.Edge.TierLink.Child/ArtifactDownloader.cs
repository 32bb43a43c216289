using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Models;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Child;

/// <summary>The bytes a child received under an artifact's name do not hash to that name; the partial download was deleted.</summary>
public sealed class ArtifactIntegrityException(string sha256, string actual)
    : Exception($"artifact {sha256} arrived with SHA-256 {actual}; deleted it")
{
    /// <summary>The artifact asked for.</summary>
    public string Sha256 { get; } = sha256;
}

/// <summary>
/// Fetches an artifact from the parent into a partial file under the tier's artifact folder,
/// resuming from the partial file's length after a cut, and checks its SHA-256 before handing
/// it out. A mismatch deletes the partial file and throws <see cref="ArtifactIntegrityException"/>.
/// Transport errors propagate (the partial file stays, so the next attempt resumes).
/// </summary>
public sealed partial class ArtifactDownloader(
    ParentLink link,
    EdgeIdentity identity,
    IOptions<ModelDeliveryOptions> options,
    ModelTransferMetrics metrics,
    ILogger<ArtifactDownloader> logger)
{
    private string PartialDirectory => Path.Combine(options.Value.Directory!, "partial");

    /// <summary>Path of the partial download of <paramref name="sha256"/> (for tests and operators).</summary>
    public string PartialPathOf(string sha256) => Path.Combine(PartialDirectory, $"{sha256}.partial");

    /// <summary>
    /// Downloads <paramref name="sha256"/> (resuming a partial download), verifies it and returns the
    /// path of the verified file, which the caller moves or deletes. <paramref name="expectedSize"/>, when known, bounds it.
    /// </summary>
    public async Task<string> DownloadAsync(string sha256, long? expectedSize, CancellationToken cancellationToken)
    {
        if (ArtifactNames.Problem(sha256) is { } problem) throw new ArgumentException(problem, nameof(sha256));
        Directory.CreateDirectory(PartialDirectory);
        var path = PartialPathOf(sha256);
        var resumedFrom = await FetchAsync(sha256, path, expectedSize, cancellationToken);
        var actual = await HashAsync(path, cancellationToken);
        if (actual != sha256 && resumedFrom > 0)
        {
            // Assembled on a partial file a crash may have torn (bytes the kernel never wrote out after a
            // power cut, or garbage): that says nothing about the artifact. Once more from byte 0; only a
            // whole, from-zero download that fails counts as a hash failure.
            File.Delete(path);
            metrics.OnRestart();
            LogRestarting(logger, identity.Origin, sha256, resumedFrom, actual);
            await FetchAsync(sha256, path, expectedSize, cancellationToken);
            actual = await HashAsync(path, cancellationToken);
        }
        if (actual != sha256)
        {
            File.Delete(path);
            metrics.OnHashFailure();
            LogMismatch(logger, identity.Origin, sha256, actual);
            throw new ArtifactIntegrityException(sha256, actual);
        }
        return path;
    }

    /// <summary>Fetches into the partial file from its length; returns the offset it resumed from (0 for a fresh download).</summary>
    private async Task<long> FetchAsync(string sha256, string path, long? expectedSize, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, useAsync: true);
        if (expectedSize is { } size && file.Length > size) file.SetLength(0);
        var from = file.Length;
        try
        {
            await FetchFromAsync(sha256, file, expectedSize, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DataLoss)
        {
            // The parent's own copy failed its check (or the stream skipped bytes): nothing kept from it is worth resuming.
            file.SetLength(0);
            await file.DisposeAsync();
            File.Delete(path);
            throw;
        }
        return from;
    }

    private async Task FetchFromAsync(string sha256, FileStream file, long? expectedSize, CancellationToken ct)
    {
        var offset = file.Length;
        if (expectedSize is { } size && offset == size && offset > 0) return;   // complete: only the hash check is left
        file.Position = offset;
        metrics.OnRequest(offset);
        if (offset > 0) LogResuming(logger, identity.Origin, sha256, offset);
        using var call = link.Client.FetchArtifact(new P.ArtifactRequest
        {
            ChildId = identity.Origin, RegionId = identity.RequireRegion(), StoreId = identity.StoreId ?? "", Sha256 = sha256, Offset = offset,
        }, cancellationToken: ct);
        try
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct))
            {
                if (chunk.Offset != file.Position)
                    throw new RpcException(new Status(StatusCode.DataLoss, $"chunk of {sha256} at {chunk.Offset}, expected {file.Position}"));
                if (chunk.TotalSize > options.Value.MaxArtifactBytes || (expectedSize is { } size2 && chunk.TotalSize != size2))
                    throw new ArtifactIntegrityException(sha256, FormattableString.Invariant(
                        $"(size {chunk.TotalSize}, expected {(expectedSize is { } e ? e : options.Value.MaxArtifactBytes)})"));
                await file.WriteAsync(chunk.Data.Memory, ct);
                // Durability, decided: each chunk is handed to the kernel (no user-space buffer), so a
                // killed process (kill -9, OOM) leaves exactly the chunks it received. It is not fsynced:
                // a power cut may still leave a torn tail (a length the kernel recorded over bytes it
                // never wrote), and an fsync per 128 KiB would cost a slow SD card more than it saves.
                // The partial file is therefore a hint, not a promise: DownloadAsync retries a resumed
                // download that fails its hash once from byte 0 before it counts it as a failure.
                await file.FlushAsync(ct);
                metrics.OnFetched(chunk.Data.Length);
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.OutOfRange)
        {
            // The partial file is longer than the artifact: it was something else. Start over.
            file.SetLength(0);
            throw;
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Child} resumes artifact {Sha256} from byte {Offset}")]
    private static partial void LogResuming(ILogger logger, string child, string sha256, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Child} resumed artifact {Sha256} from byte {Offset} and it hashed to {Actual}; the partial file was torn, restarting the download from byte 0")]
    private static partial void LogRestarting(ILogger logger, string child, string sha256, long offset, string actual);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Child} got artifact {Sha256} with SHA-256 {Actual}; deleted it")]
    private static partial void LogMismatch(ILogger logger, string child, string sha256, string actual);
}
