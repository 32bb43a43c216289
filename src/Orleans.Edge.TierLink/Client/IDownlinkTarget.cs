using Orleans.Edge.Policies;

namespace Orleans.Edge.TierLink.Client;

/// <summary>Where a child puts the policy documents its downlink receives.</summary>
public interface IDownlinkTarget
{
    /// <summary>Highest version already applied; the downlink resumes after it.</summary>
    Task<long> GetAppliedVersionAsync(CancellationToken cancellationToken);

    /// <summary>Applies documents; applying a version already held is a no-op.</summary>
    Task ApplyAsync(IReadOnlyList<PolicyDocument> documents, CancellationToken cancellationToken);
}
