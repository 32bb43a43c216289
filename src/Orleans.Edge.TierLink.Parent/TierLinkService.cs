using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>The parent side of the tier link: takes upward batches into the inbound log and serves policy downward.</summary>
public sealed partial class TierLinkService(
    IGrainFactory grains,
    EdgeIdentity identity,
    IOptions<TierLinkServerOptions> options,
    ILogger<TierLinkService> logger) : P.TierLink.TierLinkBase
{
    public override Task<P.UpAck> Push(P.UpBatch request, ServerCallContext context) => Append(request);

    public override async Task Uplink(IAsyncStreamReader<P.UpBatch> requestStream, IServerStreamWriter<P.UpAck> responseStream, ServerCallContext context)
    {
        // The first batch of a session names the child and its epoch; later ones may leave them out.
        string? child = null;
        ulong epoch = 0;
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (child is not null && batch.ChildId.Length > 0 && batch.ChildId != child)
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"this uplink session belongs to '{child}', not '{batch.ChildId}'"));
            child ??= batch.ChildId;
            batch.ChildId = child;
            if (batch.Epoch == 0) batch.Epoch = epoch;
            epoch = batch.Epoch;
            await responseStream.WriteAsync(await Append(batch), context.CancellationToken);
        }
    }

    private async Task<P.UpAck> Append(P.UpBatch request)
    {
        if (EdgeId.Problem(request.ChildId, "child id") is { } idProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, idProblem));
        var o = options.Value;
        if (request.Events.Count > o.MaxBatchEvents)
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a batch from '{request.ChildId}' carries {request.Events.Count} events; send at most {o.MaxBatchEvents} per batch"));
        var events = new List<SequencedEvent>(request.Events.Count);
        foreach (var e in request.Events)
        {
            var size = e.CalculateSize();
            if (size > o.MaxEventBytes)
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"event {request.ChildId}#{e.Sequence} ({e.PayloadCase}) is {size:N0} bytes; a parent takes at most {o.MaxEventBytes:N0} bytes per event"));
            if (e.Origin.Length > 0 && e.Origin != request.ChildId)
                throw new RpcException(new Status(StatusCode.PermissionDenied,
                    $"child '{request.ChildId}' may only send its own events, not those of '{e.Origin}'"));
            if (e.Sequence == 0)
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"event from '{request.ChildId}' has sequence 0; sequences start at 1"));
            try
            {
                events.Add(new SequencedEvent((long)e.Sequence, LinkMapping.FromWire(e, request.ChildId), size));
            }
            catch (FormatException ex)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"event {request.ChildId}#{e.Sequence}: {ex.Message}"));
            }
        }
        var result = await grains.GetGrain<ILinkInboxGrain>(request.ChildId)
            .Append(new SequencedBatch(request.ChildId, (long)request.Epoch, events));
        // Nothing new fitted: say so, so the child backs off with its outbox intact. Part of a
        // batch fitted: ack that part; the child resends the rest, and hears this next time.
        if (result.Refused > 0 && result.Appended == 0)
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"the inbound log of '{request.ChildId}' holds as much as it may until its consumer catches up; {result.Refused} events refused, retry later"));
        return new P.UpAck
        {
            Epoch = request.Epoch, AckedThrough = (ulong)result.AckedThrough,
            Appended = (uint)result.Appended, Duplicates = (uint)result.Duplicates, BulkAckedThrough = (ulong)result.BulkAckedThrough,
        };
    }

    public override async Task Subscribe(P.SubscribeRequest request, IServerStreamWriter<P.PolicyBatch> responseStream, ServerCallContext context)
    {
        var o = options.Value;
        var store = request.StoreId.Length == 0 ? null : request.StoreId;
        if (EdgeId.Problem(request.RegionId, "region id") is { } regionProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, regionProblem));
        if (store is not null && EdgeId.Problem(store, "store id") is { } storeProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, storeProblem));
        if (request.AfterVersion < 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"after_version must be 0 or more, got {request.AfterVersion}"));
        if (!identity.IsCloud() && (store is null || request.RegionId != identity.RegionId))
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"this is region '{identity.RegionId}'; it serves its own stores only (got region '{request.RegionId}', store '{store}')"));
        if (identity.IsCloud() && store is not null)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the cloud serves regions; stores dial their region"));

        IPolicySource source = identity.IsCloud()
            ? grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey)
            : grains.GetGrain<IRegionConfigGrain>(identity.RequireRegion());
        LogSubscribed(logger, request.ChildId, request.AfterVersion);
        var ct = context.CancellationToken;
        var after = request.AfterVersion;
        var seen = after;
        while (!ct.IsCancellationRequested)
        {
            var docs = await source.GetNewer(after, request.RegionId, store).WaitAsync(ct);
            if (docs.Count > 0)
            {
                var batch = new P.PolicyBatch();
                batch.Documents.AddRange(docs.Select(LinkMapping.ToWire));
                await responseStream.WriteAsync(batch, ct);
                after = Math.Max(after, docs.Max(d => d.Version));
            }
            seen = Math.Max(seen, after);
            seen = await source.WaitForChange(seen, o.PolicyPollInterval, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Child {Child} subscribed to policies after version {Version}")]
    private static partial void LogSubscribed(ILogger logger, string child, long version);
}
