using Orleans.Edge.Policies;

namespace Orleans.Edge.TierLink.Child;

/// <summary>Where a child puts the policy documents its downlink receives.</summary>
public interface IDownlinkTarget
{
    /// <summary>
    /// Highest version already applied or rejected; the downlink resumes after it, so a rejected
    /// document is not fetched again.
    /// </summary>
    Task<long> GetAppliedVersionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies the good documents of a batch and records the ones the downlink rejected as
    /// malformed; applying a version already held is a no-op.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<PolicyDocument> documents, IReadOnlyList<PolicyRejection> rejected, CancellationToken cancellationToken);

    /// <summary>
    /// Reports a fleet deny-list the <see cref="SignedDocumentGate"/> refused (already counted and logged there); the list
    /// in force stays. A tier with no upward state message of its own (a region) has nothing more to report.
    /// </summary>
    Task RefuseRevocationsAsync(PolicyRejection refusal, CancellationToken cancellationToken) => Task.CompletedTask;
}
