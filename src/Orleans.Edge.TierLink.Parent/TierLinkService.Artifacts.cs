using System.Buffers;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>The artifact side of the tier link: model bytes streamed in chunks from any offset.</summary>
public sealed partial class TierLinkService
{
    public override async Task FetchArtifact(P.ArtifactRequest request, IServerStreamWriter<P.ArtifactChunk> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        await AuthorizeAsync(request.ChildId, request.RegionId, request.StoreId.Length == 0 ? null : request.StoreId, AuthenticatedChild(context));
        if (ArtifactNames.Problem(request.Sha256) is { } shaProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, shaProblem));
        if (request.Offset < 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"offset must be 0 or more, got {request.Offset}"));

        // A region asks its cache every time: the cache re-verifies what it holds before it is served
        // (and fills a miss from the cloud once, whoever else is waiting for it). The cloud serves its
        // registry's store, which it verified when the model was registered.
        var length = Upstream is { } upstream
            ? await upstream.EnsureLocalAsync(request.Sha256, ct)
            : await Artifacts.GetLengthAsync(request.Sha256, ct);
        if (length is null)
            throw new RpcException(new Status(StatusCode.NotFound, $"no artifact with SHA-256 {request.Sha256} here; is its model registered?"));
        if (request.Offset > length)
            throw new RpcException(new Status(StatusCode.OutOfRange,
                $"offset {request.Offset} is past the end of artifact {request.Sha256} ({length} bytes); start again from 0"));

        LogServing(Logger, request.ChildId, request.Sha256, request.Offset, length.Value);
        var buffer = ArrayPool<byte>.Shared.Rent(Delivery.ChunkBytes);
        try
        {
            for (var offset = request.Offset; offset < length;)
            {
                var n = await Artifacts.ReadAsync(request.Sha256, offset, buffer.AsMemory(0, (int)Math.Min(Delivery.ChunkBytes, length.Value - offset)), ct);
                if (n == 0)
                    throw new RpcException(new Status(StatusCode.DataLoss, $"artifact {request.Sha256} ended at {offset} of {length} bytes here"));
                await responseStream.WriteAsync(new P.ArtifactChunk
                {
                    Offset = offset, TotalSize = length.Value, Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, n),
                }, ct);
                Transfers.OnServed(n);
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The same rule as the downlink: a region serves its own stores, the cloud its regions, and a
    /// child speaks only as itself, as its certificate names it. Without authentication (--insecure)
    /// the child must at least be known here: one whose events this parent's inbound log has taken.
    /// </summary>
    private async Task AuthorizeAsync(string childId, string regionId, string? storeId, NodeIdentity? peer)
    {
        if (EdgeId.Problem(childId, "child id") is { } childProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, childProblem));
        if (EdgeId.Problem(regionId, "region id") is { } regionProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, regionProblem));
        if (storeId is not null && EdgeId.Problem(storeId, "store id") is { } storeProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, storeProblem));
        if (childId != (storeId ?? regionId))
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"child '{childId}' may only ask as itself, not as '{storeId ?? regionId}'"));
        if (!Identity.IsCloud() && (storeId is null || regionId != Identity.RegionId))
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"this is region '{Identity.RegionId}'; it serves its own stores only (got region '{regionId}', store '{storeId}')"));
        if (Identity.IsCloud() && storeId is not null)
            throw new RpcException(new Status(StatusCode.PermissionDenied, "the cloud serves regions; stores fetch from their region"));
        if (peer is not null)
        {
            RequireSpeaksAsItself(peer, childId, "fetch artifacts");
            RequireOwnScope(peer, regionId, storeId);
            return;
        }
        var known = await Grains.GetGrain<IInboxDirectoryGrain>(Identity.Origin).GetOrigins();
        if (!known.Contains(childId, StringComparer.Ordinal))
        {
            LogRefused(Logger, childId);
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"'{childId}' is not a known child of {Identity.ClusterId}: a child must have connected its uplink before it fetches artifacts"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving artifact {Sha256} to {Child} from offset {Offset} of {Length}")]
    private static partial void LogServing(ILogger logger, string child, string sha256, long offset, long length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an artifact request from unknown child {Child}")]
    private static partial void LogRefused(ILogger logger, string child);
}
