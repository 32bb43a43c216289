using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Parent;

/// <summary>The parent side of the tier link: takes upward batches into the inbound log and serves policy downward.</summary>
public sealed partial class TierLinkService(
    IGrainFactory grains,
    EdgeIdentity identity,
    IOptions<TierLinkServerOptions> options,
    IArtifactStore artifacts,
    ModelTransferMetrics transfers,
    IOptions<ModelDeliveryOptions> delivery,
    IEnumerable<IArtifactUpstream> upstream,
    ChildRateLimiter rateLimiter,
    LinkTrust trust,
    ILogger<TierLinkService> logger) : P.TierLink.TierLinkBase
{
    // For the other part of this class (primary constructor parameters are in scope in this one only).
    private IGrainFactory Grains => grains;
    private EdgeIdentity Identity => identity;
    private IArtifactStore Artifacts => artifacts;
    private ModelTransferMetrics Transfers => transfers;
    private ModelDeliveryOptions Delivery => delivery.Value;
    private IArtifactUpstream? Upstream => upstream.FirstOrDefault();
    private ILogger Logger => logger;

    public override Task<P.UpAck> Push(P.UpBatch request, ServerCallContext context) => Append(request, AuthenticatedChild(context));

    public override async Task Uplink(IAsyncStreamReader<P.UpBatch> requestStream, IServerStreamWriter<P.UpAck> responseStream, ServerCallContext context)
    {
        // The first batch of a session names the child and its epoch; later ones may leave them out.
        string? child = null;
        ulong epoch = 0;
        var peer = AuthenticatedChild(context);
        try
        {
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            {
                // A session outlives a revocation: the deny-list in force is asked again for every batch.
                peer = AuthenticatedChild(context);
                if (child is not null && batch.ChildId.Length > 0 && batch.ChildId != child)
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"this uplink session belongs to '{child}', not '{batch.ChildId}'"));
                child ??= batch.ChildId;
                batch.ChildId = child;
                if (batch.Epoch == 0) batch.Epoch = epoch;
                epoch = batch.Epoch;
                await responseStream.WriteAsync(await Append(batch, peer), context.CancellationToken);
            }
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The child went away mid-session (stopped, crashed, its link cut): not an error of this
            // tier. What it sent and was not acked is still in its outbox; it sends it again.
            LogSessionAborted(logger, child ?? "(before its first batch)");
        }
    }

    private async Task<P.UpAck> Append(P.UpBatch request, NodeIdentity? peer)
    {
        if (EdgeId.Problem(request.ChildId, "child id") is { } idProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, idProblem));
        RequireSpeaksAsItself(peer, request.ChildId, "push");
        var o = options.Value;
        if (request.Events.Count > o.MaxBatchEvents)
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a batch from '{request.ChildId}' carries {request.Events.Count} events; send at most {o.MaxBatchEvents} per batch"));
        if (!rateLimiter.TryAdmit(request.ChildId, request.Events.Count))
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"'{request.ChildId}' sends more than {rateLimiter.Rate:N0} events/s (burst {rateLimiter.Burst:N0}); back off and retry"));
        if (request.Evicted.Count > Lanes.Count)
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a batch from '{request.ChildId}' gives evicted counts for {request.Evicted.Count} lanes; there are {Lanes.Count}"));
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
            if (e.Sequence == 0 || e.Sequence > long.MaxValue)
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"event from '{request.ChildId}' has sequence {e.Sequence}; sequences start at 1 and stay below 2^63"));
            UpEvent domain;
            try
            {
                domain = LinkMapping.FromWire(e, request.ChildId);
            }
            catch (FormatException ex)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"event {request.ChildId}#{e.Sequence}: {ex.Message}"));
            }
            if (ChildScope.Problem(identity, request.ChildId, domain) is { } scopeProblem)
                throw Denied(peer, request.ChildId, $"event {request.ChildId}#{e.Sequence}: {scopeProblem}");
            events.Add(new SequencedEvent((long)e.Sequence, domain, size));
        }
        var result = await grains.GetGrain<ILinkInboxGrain>(request.ChildId)
            .Append(new SequencedBatch(request.ChildId, (long)Math.Min(request.Epoch, long.MaxValue), events,
                [.. request.Evicted.Select(n => (long)Math.Min(n, long.MaxValue))]));
        if (result.ProtocolError is { } protocolError)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, protocolError));
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
        var peer = AuthenticatedChild(context);
        var store = request.StoreId.Length == 0 ? null : request.StoreId;
        if (EdgeId.Problem(request.RegionId, "region id") is { } regionProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, regionProblem));
        if (store is not null && EdgeId.Problem(store, "store id") is { } storeProblem)
            throw new RpcException(new Status(StatusCode.InvalidArgument, storeProblem));
        if (request.AfterVersion < 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"after_version must be 0 or more, got {request.AfterVersion}"));
        RequireSpeaksAsItself(peer, request.ChildId, "subscribe");
        RequireOwnScope(peer, request.RegionId, store);
        if (!identity.IsCloud() && (store is null || request.RegionId != identity.RegionId))
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"this is region '{identity.RegionId}'; it serves its own stores only (got region '{request.RegionId}', store '{store}')"));
        if (identity.IsCloud() && store is not null)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the cloud serves regions; stores dial their region"));

        if (request.AfterModelVersion < 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"after_model_version must be 0 or more, got {request.AfterModelVersion}"));

        IPolicySource source = identity.IsCloud()
            ? grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey)
            : grains.GetGrain<IRegionConfigGrain>(identity.RequireRegion());
        IModelAssignmentSource models = identity.IsCloud()
            ? grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey)
            : grains.GetGrain<IRegionModelRelayGrain>(identity.RequireRegion());
        if (request.AfterRevocationVersion < 0)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"after_revocation_version must be 0 or more, got {request.AfterRevocationVersion}"));
        var revocations = grains.GetGrain<IRevocationListGrain>(identity.Origin);
        LogSubscribed(logger, request.ChildId, request.AfterVersion);
        var ct = context.CancellationToken;
        var (after, afterModel, afterRevocation) = (request.AfterVersion, request.AfterModelVersion, request.AfterRevocationVersion);
        var (seen, seenModel, seenRevocation) = (after, afterModel, afterRevocation);
        while (!ct.IsCancellationRequested)
        {
            // As on the uplink: a child revoked while subscribed gets nothing more.
            AuthenticatedChild(context);
            var docs = await source.GetNewer(after, request.RegionId, store).WaitAsync(ct);
            var assignments = await models.GetNewer(afterModel, request.RegionId, store).WaitAsync(ct);
            var denied = await revocations.Get().WaitAsync(ct);
            if (docs.Count > 0 || assignments.Count > 0 || denied.Version > afterRevocation)
            {
                var batch = new P.PolicyBatch();
                batch.Documents.AddRange(docs.Select(LinkMapping.ToWire));
                batch.Models.AddRange(assignments.Select(ModelMapping.ToWire));
                if (denied.Version > afterRevocation) batch.Revocations = LinkMapping.ToWire(denied);
                await responseStream.WriteAsync(batch, ct);
                if (docs.Count > 0) after = Math.Max(after, docs.Max(d => d.Version));
                if (assignments.Count > 0) afterModel = Math.Max(afterModel, assignments.Max(a => a.Version));
                afterRevocation = Math.Max(afterRevocation, denied.Version);
            }
            seen = Math.Max(seen, after);
            seenModel = Math.Max(seenModel, afterModel);
            seenRevocation = Math.Max(seenRevocation, afterRevocation);
            (seen, seenModel, seenRevocation) = await WaitForAny(source, seen, models, seenModel, revocations, seenRevocation, o.PolicyPollInterval, ct);
        }
    }

    /// <summary>Waits until policies, model assignments or the deny-list change (or the poll interval passes); returns the three known versions.</summary>
    private static async Task<(long Policies, long Models, long Revocations)> WaitForAny(IPolicySource policies, long seen, IModelAssignmentSource models, long seenModel,
        IRevocationListGrain revocations, long seenRevocation, TimeSpan maxWait, CancellationToken ct)
    {
        using var any = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var policyWait = policies.WaitForChange(seen, maxWait, any.Token);
        var modelWait = models.WaitForChange(seenModel, maxWait, any.Token);
        var revocationWait = revocations.WaitForChange(seenRevocation, maxWait, any.Token);
        await Task.WhenAny(policyWait, modelWait, revocationWait);
        await any.CancelAsync();
        return (await Settle(policyWait, seen), await Settle(modelWait, seenModel), await Settle(revocationWait, seenRevocation));

        // The wait that lost was cancelled: it tells nothing new. The caller's own cancellation still ends the loop.
        static async Task<long> Settle(Task<long> wait, long known)
        {
            try
            {
                return await wait;
            }
            catch (OperationCanceledException)
            {
                return known;
            }
        }
    }

    /// <summary>
    /// The child this call comes from, as its certificate says (authenticated at the TLS handshake,
    /// checked here against the deny-list in force); null when the links run without authentication.
    /// </summary>
    private NodeIdentity? AuthenticatedChild(ServerCallContext context)
    {
        if (trust.IsInsecure) return null;
        var result = trust.AuthenticatedChild(context.GetHttpContext().Connection.ClientCertificate);
        return result.IsAuthenticated ? result.Identity : throw new RpcException(new Status(StatusCode.PermissionDenied, result.Problem!));
    }

    /// <summary>A child names itself in every call (child_id); it must be the one its certificate names.</summary>
    private void RequireSpeaksAsItself(NodeIdentity? peer, string childId, string what)
    {
        if (peer is not null && peer.ToEdgeIdentity().Origin != childId)
            throw Denied(peer, childId, $"{peer} may only {what} as '{peer.ToEdgeIdentity().Origin}', not as '{childId}'");
    }

    /// <summary>A child asks for its own scope only: a store for itself in its region, a region for itself.</summary>
    private void RequireOwnScope(NodeIdentity? peer, string regionId, string? storeId)
    {
        if (peer is null) return;
        var own = peer.ToEdgeIdentity();
        if (own.RegionId != regionId || own.StoreId != storeId)
            throw Denied(peer, own.Origin, $"{peer} may only ask for its own scope, not for region '{regionId}' store '{storeId}'");
    }

    /// <summary>PermissionDenied, counted and logged once per peer (when the links are authenticated).</summary>
    private RpcException Denied(NodeIdentity? peer, string childId, string problem)
    {
        if (peer is not null) trust.Refused(PeerRefusal.NotAuthorized, peer.ToString(), problem);
        return new RpcException(new Status(StatusCode.PermissionDenied, problem));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Uplink session of {Child} ended: the connection was aborted")]
    private static partial void LogSessionAborted(ILogger logger, string child);

    [LoggerMessage(Level = LogLevel.Information, Message = "Child {Child} subscribed to policies after version {Version}")]
    private static partial void LogSubscribed(ILogger logger, string child, long version);
}
