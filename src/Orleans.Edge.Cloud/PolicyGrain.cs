using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;

namespace Orleans.Edge.Cloud;

/// <summary>What the policy grain persists.</summary>
[GenerateSerializer]
public sealed class PolicyData
{
    /// <summary>Latest document per scope.</summary>
    [Id(0)] public List<PolicyDocument> Documents { get; set; } = [];

    /// <summary>Last version handed out; versions never repeat, even for a scope set twice.</summary>
    [Id(1)] public long LastVersion { get; set; }
}

/// <summary>
/// The cloud's scoped replenishment policies. Every change gets the next cloud-wide version, so
/// versions increase per scope and a child can resume from the one number it last applied.
/// Every document is signed (<see cref="IDocumentSigner"/>): a cloud without a signer refuses to set policies.
/// </summary>
public sealed partial class PolicyGrain(
    [PersistentState("policies", EdgeNames.StateStore)] IPersistentState<PolicyData> state,
    [FromKeyedServices(EdgeNames.Clock)] TimeProvider time,
    IEnumerable<IDocumentSigner> signers,
    ILogger<PolicyGrain> logger) : Grain, IPolicyGrain
{
    private readonly PolicyBook _book = new();
    private readonly IDocumentSigner? _signer = signers.LastOrDefault();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Documents kept from before signing existed are signed as they are (same version): the cloud vouches for its own state.
        _book.ApplyAll(state.State.Documents.Select(d => d.Signature is null && _signer is not null ? _signer.Sign(d) : d));
        _book.Announce();
        return Task.CompletedTask;
    }

    public async Task<PolicyChangeResult> SetPolicy(PolicyScope scope, ReplenishmentPolicy policy)
    {
        var problems = scope.Problems().Concat(policy.Problems()).ToList();
        if (_signer is null) problems.Add(DocumentSigning.NoSigner);
        if (problems.Count > 0) return new PolicyChangeResult(null, problems);
        var doc = _signer!.Sign(new PolicyDocument(scope, state.State.LastVersion + 1, policy, time.GetUtcNow()));
        _book.Apply(doc);
        state.State.LastVersion = doc.Version;
        state.State.Documents = [.. _book.Documents];
        await state.WriteStateAsync();
        LogChanged(logger, scope.Key, doc.Version);
        _book.Announce();
        return new PolicyChangeResult(doc, []);
    }

    public Task<IReadOnlyList<PolicyDocument>> GetAll() =>
        Task.FromResult<IReadOnlyList<PolicyDocument>>([.. _book.Documents.OrderBy(d => d.Version)]);

    public Task<IReadOnlyList<PolicyDocument>> GetNewer(long afterVersion, string region, string? store) =>
        Task.FromResult(_book.NewerFor(afterVersion, region, store));

    public Task<long> WaitForChange(long knownMaxVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _book.WaitForChange(knownMaxVersion, maxWait, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy for {Scope} is now version {Version}")]
    private static partial void LogChanged(ILogger logger, string scope, long version);
}

/// <summary>What the cloud says when it has no document signer.</summary>
internal static class DocumentSigning
{
    public const string NoSigner = "this cloud has no document signer (AddEdgeDocumentSigning), so it publishes nothing: regions and stores accept only signed documents";
}
