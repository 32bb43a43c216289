using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// What a child lets in from its parent: only documents the cloud signed (<see cref="IDocumentVerifier"/>, required),
/// for a scope that reaches this tier, newer than what it applied: policies, model assignments and the fleet's deny-list.
/// Each refusal is counted in <c>orleans_edge_signed_documents_rejected_total{reason, document}</c> (document <c>policy</c>,
/// <c>model</c> or <c>deny-list</c>), logged as a warning the first time a reason occurs for a kind (then at debug level)
/// and handed on as an unverified <see cref="PolicyRejection"/>, which changes nothing else. Without a registered verifier
/// the gate refuses everything (reason <c>no_verifier</c>, an error logged at start): the tier keeps running on its last
/// known policies, models and deny-list, and takes no new ones.
/// </summary>
public sealed partial class SignedDocumentGate
{
    private readonly IDocumentVerifier _verifier;
    private readonly EdgeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly ILogger<SignedDocumentGate> _logger;
    private readonly Counter<long> _rejected;
    private readonly ConcurrentDictionary<(SignatureRejection, string), long> _counts = new();

    /// <summary>Creates the gate of <paramref name="identity"/>'s downlink.</summary>
    public SignedDocumentGate(IEnumerable<IDocumentVerifier> verifiers, EdgeIdentity identity, IMeterFactory meters, TimeProvider time, ILogger<SignedDocumentGate> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        (_identity, _time, _logger) = (identity, time, logger);
        _verifier = verifiers.LastOrDefault() ?? new NoVerifier();
        if (_verifier is NoVerifier) LogNoVerifier(logger, identity.Origin);
        _rejected = meters.Create(LinkMetrics.MeterName).CreateCounter<long>("orleans_edge_signed_documents_rejected_total",
            description: "Policies, model assignments and deny-lists from the parent refused: unsigned, tampered, not signed by the fleet's signer, expired or revoked signer, replayed, or for another scope");
    }

    /// <summary>Document kind of the fleet's deny-list in <see cref="Rejected"/> and the metric.</summary>
    public const string DenyList = "deny-list";

    /// <summary>Refusals so far by reason tag and document kind (<c>policy</c>, <c>model</c>, <c>deny-list</c>).</summary>
    public IReadOnlyDictionary<(SignatureRejection Reason, string Document), long> Rejected => _counts;

    /// <summary>Null when <paramref name="document"/> may be applied; otherwise the rejection to record.</summary>
    public PolicyRejection? Check(PolicyDocument document, long resumeAfter) =>
        Outcome(_verifier.Admit(document, _identity.RequireRegion(), _identity.StoreId, resumeAfter), "policy", document.Version, document.Scope.Key);

    /// <summary>Null when <paramref name="assignment"/> may be applied; otherwise the rejection to record.</summary>
    public PolicyRejection? Check(ModelAssignment assignment, long resumeAfter) =>
        Outcome(_verifier.Admit(assignment, _identity.RequireRegion(), _identity.StoreId, resumeAfter), "model", assignment.Version,
            $"{assignment.Scope.Key} (model {assignment.Manifest.Version})");

    /// <summary>Null when the deny-list <paramref name="revocations"/> may replace the one held at <paramref name="heldVersion"/>; otherwise the rejection.</summary>
    public PolicyRejection? Check(PublishedRevocations revocations, long heldVersion) =>
        Outcome(_verifier.Admit(revocations, heldVersion), DenyList, revocations.Version, "the fleet");

    private PolicyRejection? Outcome(SignatureCheck check, string document, long version, string scope)
    {
        if (check.IsValid) return null;
        var tag = check.Rejection.Tag();
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", tag), new KeyValuePair<string, object?>("document", document));
        var first = _counts.AddOrUpdate((check.Rejection, document), 1, (_, n) => n + 1) == 1;
        if (first) LogFirst(_logger, _identity.Origin, document, version, scope, tag, check.Problem);
        else LogAgain(_logger, _identity.Origin, document, version, scope, tag, check.Problem);
        return new PolicyRejection(version, scope, check.ToString(), _time.GetUtcNow(), Unverified: true);
    }

    /// <summary>Stands in when no verifier is registered: refuses every document, so nothing unchecked is applied.</summary>
    private sealed class NoVerifier : IDocumentVerifier
    {
        public SignatureCheck Verify(ReadOnlySpan<byte> content, DocumentSignature? signature) => SignatureCheck.Refuse(SignatureRejection.NoVerifier,
            "this tier has no document verifier registered (AddEdgeDocumentVerification), so it applies no policy, model or deny-list from its parent");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Child} has no document verifier registered (AddEdgeDocumentVerification): it will refuse every policy, model assignment and deny-list from its parent and keep its last known ones")]
    private static partial void LogNoVerifier(ILogger logger, string child);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Child} refused {Document} version {Version} for {Scope} ({Reason}) and changed nothing: {Problem}. Later refusals for this reason are logged at debug level and counted in orleans_edge_signed_documents_rejected_total")]
    private static partial void LogFirst(ILogger logger, string child, string document, long version, string scope, string reason, string? problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Child} refused {Document} version {Version} for {Scope} ({Reason}): {Problem}")]
    private static partial void LogAgain(ILogger logger, string child, string document, long version, string scope, string reason, string? problem);
}
