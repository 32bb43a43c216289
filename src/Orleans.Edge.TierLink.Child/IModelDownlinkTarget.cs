using Orleans.Edge.Models;

namespace Orleans.Edge.TierLink.Child;

/// <summary>Where a child puts the model assignments its downlink receives (alongside policies).</summary>
public interface IModelDownlinkTarget
{
    /// <summary>Highest assignment version recorded; the downlink resumes after it.</summary>
    Task<long> GetModelVersionAsync(CancellationToken cancellationToken);

    /// <summary>Records assignments; one already held is a no-op.</summary>
    Task ApplyModelsAsync(IReadOnlyList<ModelAssignment> assignments, CancellationToken cancellationToken);

    /// <summary>
    /// Records assignments the downlink refused (signature, scope or replay): reported, never applied, and the
    /// resume point does not move (the version is only the sender's claim).
    /// </summary>
    Task RejectModelsAsync(IReadOnlyList<(ModelAssignment Assignment, Orleans.Edge.Policies.PolicyRejection Rejection)> rejected, CancellationToken cancellationToken);
}
