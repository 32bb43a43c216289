using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Policies;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// Keeps a subscription open to the parent's policy stream, resuming after the last version the
/// child applied, and hands every batch to the tier's <see cref="IDownlinkTarget"/>: only what the
/// <see cref="SignedDocumentGate"/> admits is applied, the rest is reported as rejected.
/// </summary>
public sealed partial class DownlinkReceiver(
    IDownlinkTarget target,
    IEnumerable<IModelDownlinkTarget> modelTargets,
    ParentLink link,
    IGrainFactory grains,
    SignedDocumentGate gate,
    EdgeIdentity identity,
    IOptions<TierLinkClientOptions> options,
    TimeProvider time,
    ILogger<DownlinkReceiver> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var backoff = new Backoff(o.InitialBackoff, o.MaxBackoff);
        var models = modelTargets.FirstOrDefault();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var after = await target.GetAppliedVersionAsync(stoppingToken);
                // A child that takes no models asks for none: it resumes past every assignment there could be.
                var afterModel = models is null ? long.MaxValue : await models.GetModelVersionAsync(stoppingToken);
                var revocations = grains.GetGrain<Grains.IRevocationListGrain>(identity.Origin);
                var afterRevocation = (await revocations.Get()).Version;
                using var call = link.Client.Subscribe(new P.SubscribeRequest
                {
                    ChildId = identity.Origin, RegionId = identity.RequireRegion(), StoreId = identity.StoreId ?? "", AfterVersion = after,
                    AfterModelVersion = afterModel, AfterRevocationVersion = afterRevocation,
                }, cancellationToken: stoppingToken);
                await foreach (var batch in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    var (docs, rejected) = Convert(batch, identity.Origin, ref after);
                    if (docs.Count > 0 || rejected.Count > 0 || batch.Models.Count == 0) await target.ApplyAsync(docs, rejected, stoppingToken);
                    if (models is not null && batch.Models.Count > 0)
                    {
                        var (assignments, refused) = ConvertModels(batch, ref afterModel);
                        if (assignments.Count > 0) await models.ApplyModelsAsync(assignments, stoppingToken);
                        if (refused.Count > 0) await models.RejectModelsAsync(refused, stoppingToken);
                    }
                    if (batch.Revocations is { } update) await ApplyRevocations(revocations, update, stoppingToken);
                    if (batch.Documents.Count > 0)
                    {
                        link.Status.PolicyVersionReceived = Math.Max(link.Status.PolicyVersionReceived, batch.Documents.Max(d => d.Version));
                        LogReceived(logger, identity.Origin, docs.Count, link.Status.PolicyVersionReceived);
                    }
                    backoff.Reset();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(logger, identity.Origin, ex.Message);
                link.Status.OnRetry();
                try
                {
                    await Task.Delay(backoff.Next(), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>
    /// Each document on its own, oldest first: one the mapping refuses is skipped, logged, counted and handed on
    /// as a rejection, so it neither blocks the good ones nor is fetched again; one the gate refuses (signature,
    /// scope, replay) is handed on as an unverified rejection. <paramref name="after"/> follows what is admitted.
    /// </summary>
    private (List<PolicyDocument> Documents, List<PolicyRejection> Rejected) Convert(P.PolicyBatch batch, string child, ref long after)
    {
        var docs = new List<PolicyDocument>(batch.Documents.Count);
        var rejected = new List<PolicyRejection>();
        foreach (var wire in batch.Documents.OrderBy(d => d.Version))
        {
            try
            {
                var doc = LinkMapping.FromWire(wire);
                if (gate.Check(doc, after) is { } refused)
                {
                    rejected.Add(refused);
                    continue;
                }
                docs.Add(doc);
                after = Math.Max(after, doc.Version);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
            {
                var scope = LinkMapping.ScopeOf(wire);
                link.Status.OnPolicyRejected();
                LogRejected(logger, child, wire.Version, scope, ex.Message);
                rejected.Add(new PolicyRejection(wire.Version, scope, ex.Message, time.GetUtcNow()));
            }
        }
        return (docs, rejected);
    }

    /// <summary>Assignments the mapping refuses are skipped and logged; those the gate refuses are returned as rejections; the good ones go on.</summary>
    private (List<Orleans.Edge.Models.ModelAssignment> Assignments, List<(Orleans.Edge.Models.ModelAssignment, PolicyRejection)> Refused) ConvertModels(
        P.PolicyBatch batch, ref long after)
    {
        var assignments = new List<Orleans.Edge.Models.ModelAssignment>(batch.Models.Count);
        var refused = new List<(Orleans.Edge.Models.ModelAssignment, PolicyRejection)>();
        foreach (var wire in batch.Models.OrderBy(m => m.Version))
        {
            try
            {
                var assignment = ModelMapping.FromWire(wire);
                if (gate.Check(assignment, after) is { } rejection)
                {
                    refused.Add((assignment, rejection));
                    continue;
                }
                assignments.Add(assignment);
                after = Math.Max(after, assignment.Version);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                link.Status.OnPolicyRejected();
                LogModelRejected(logger, identity.Origin, wire.Version, ex.Message);
            }
        }
        return (assignments, refused);
    }

    /// <summary>
    /// Takes the parent's deny-list only if the cloud signed exactly it and it is newer than the one held; the gate logs and
    /// counts a refusal, the target reports it, and the list in force stays (the parent offers it again on the next subscription).
    /// </summary>
    private async Task ApplyRevocations(Grains.IRevocationListGrain list, P.RevocationUpdate update, CancellationToken cancellationToken)
    {
        try
        {
            var published = LinkMapping.FromWire(update);
            if (gate.Check(published, (await list.Get()).Version) is { } refused)
            {
                await target.RefuseRevocationsAsync(refused, cancellationToken);
                return;
            }
            if (await list.Apply(published))
                LogRevocations(logger, identity.Origin, update.Version, update.Entries.Count);
        }
        catch (ArgumentException ex)
        {
            // A list with a bad entry changes nothing here; the parent sends it again on the next subscription.
            LogRevocationsRejected(logger, identity.Origin, update.Version, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Child} took the fleet's deny-list version {Version} ({Count} entries)")]
    private static partial void LogRevocations(ILogger logger, string child, long version, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Child} refused deny-list version {Version}: {Problem}")]
    private static partial void LogRevocationsRejected(ILogger logger, string child, long version, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Downlink of {Child} rejected model assignment version {Version} and skipped it: {Reason}")]
    private static partial void LogModelRejected(ILogger logger, string child, long version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Downlink of {Child} rejected policy version {Version} for {Scope} and skipped it: {Reason}")]
    private static partial void LogRejected(ILogger logger, string child, long version, string scope, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downlink of {Child} received {Count} policy documents (now at v{Version})")]
    private static partial void LogReceived(ILogger logger, string child, int count, long version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Downlink of {Child} failed, retrying: {Error}")]
    private static partial void LogFailed(ILogger logger, string child, string error);
}
