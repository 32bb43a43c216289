using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;
using Orleans.Edge.Trust;

namespace Orleans.Edge.TierLink.Child;

/// <summary>What a cluster's copy of the deny-list persists.</summary>
[GenerateSerializer]
public sealed class RevocationListData
{
    [Id(0)] public long Version { get; set; }
    [Id(1)] public List<string> Entries { get; set; } = [];
    /// <summary>The cloud's signature over this version and entries (see <see cref="PublishedRevocations"/>).</summary>
    [Id(2)] public DocumentSignature? Signature { get; set; }
}

/// <summary>
/// A cluster's copy of the fleet's deny-list (see <see cref="IRevocationListGrain"/>). Entries are
/// kept in their canonical spelling (<see cref="RevocationList"/>), so one identity or serial is one entry.
/// At the cloud every version is signed (<see cref="IDocumentSigner"/>), as policies are: a cloud without a signer
/// refuses to revoke or lift. Below, <see cref="Apply"/> keeps the cloud's signature with the list, so a region serves
/// its stores exactly what the cloud signed; the downlink checks it (<see cref="SignedDocumentGate"/>) before applying.
/// </summary>
public sealed partial class RevocationListGrain(
    [PersistentState("revocations", EdgeNames.StateStore)] IPersistentState<RevocationListData> state,
    IEnumerable<IDocumentSigner> signers,
    ILogger<RevocationListGrain> logger) : Grain, IRevocationListGrain
{
    /// <summary>What a cloud without a document signer answers to a revocation or a lift.</summary>
    public const string NoSigner = "this cloud has no document signer (AddEdgeDocumentSigning), so it publishes no deny-list: regions and stores accept only a signed one";

    private readonly VersionSignal _signal = new();
    private readonly IDocumentSigner? _signer = signers.LastOrDefault();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A list kept from before signing existed is signed as it is (same version): the cloud vouches for its own state.
        if (this.GetPrimaryKeyString() == EdgeNames.CloudKey && state.State is { Version: > 0, Signature: null } && _signer is not null)
            state.State.Signature = _signer.Sign(Current).Signature;
        _signal.Advance(state.State.Version);
        return Task.CompletedTask;
    }

    public Task<PublishedRevocations> Get() => Task.FromResult(Current);

    private PublishedRevocations Current => new(state.State.Version, [.. state.State.Entries], state.State.Signature);

    public async Task<PublishedRevocations> Revoke(string entry, string reason)
    {
        RequireCloud();
        var canonical = Canonical(entry);
        if (state.State.Entries.Contains(canonical, StringComparer.Ordinal)) return Current;
        await SaveAsync(SignedAtCloud([.. state.State.Entries, canonical]));
        LogRevoked(logger, canonical, reason, state.State.Version);
        return Current;
    }

    public async Task<PublishedRevocations> Lift(string entry)
    {
        RequireCloud();
        var canonical = Canonical(entry);
        if (!state.State.Entries.Contains(canonical, StringComparer.Ordinal)) return Current;
        await SaveAsync(SignedAtCloud([.. state.State.Entries.Where(e => e != canonical)]));
        LogLifted(logger, canonical, state.State.Version);
        return Current;
    }

    public async Task<bool> Apply(PublishedRevocations list)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (this.GetPrimaryKeyString() == EdgeNames.CloudKey)
            throw new InvalidOperationException("the cloud's deny-list is its own: revoke and lift entries there");
        if (list.Version <= state.State.Version) return false;
        // Every entry is checked before any is taken: a list with one bad entry changes nothing. The cloud's entries are
        // canonical and distinct already, so this keeps them (and the signature over them) as they are.
        var entries = list.Entries.Select(Canonical).Distinct(StringComparer.Ordinal).ToList();
        await SaveAsync(new PublishedRevocations(list.Version, entries, list.Signature));
        LogApplied(logger, this.GetPrimaryKeyString(), list.Version, entries.Count);
        return true;
    }

    public Task<long> WaitForChange(long knownVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _signal.WaitPast(knownVersion, maxWait, cancellationToken);

    /// <summary>The next version of the cloud's list with <paramref name="entries"/>, signed.</summary>
    private PublishedRevocations SignedAtCloud(List<string> entries) =>
        _signer!.Sign(new PublishedRevocations(state.State.Version + 1, entries));

    private async Task SaveAsync(PublishedRevocations list)
    {
        var (oldEntries, oldVersion, oldSignature) = (state.State.Entries, state.State.Version, state.State.Signature);
        (state.State.Entries, state.State.Version, state.State.Signature) = ([.. list.Entries], list.Version, list.Signature);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not saved, not in force: the caller hears of the failure and nothing changed.
            (state.State.Entries, state.State.Version, state.State.Signature) = (oldEntries, oldVersion, oldSignature);
            throw;
        }
        _signal.Advance(list.Version);
    }

    private void RequireCloud()
    {
        if (this.GetPrimaryKeyString() != EdgeNames.CloudKey)
            throw new InvalidOperationException($"'{this.GetPrimaryKeyString()}' follows its parent's deny-list; revoke at the cloud");
        if (_signer is null) throw new InvalidOperationException(NoSigner);
    }

    /// <summary>The one spelling of a SPIFFE ID or a hex serial; <see cref="ArgumentException"/> for anything else.</summary>
    public static string Canonical(string entry)
    {
        if (string.IsNullOrWhiteSpace(entry) || entry.Contains('\n', StringComparison.Ordinal) || entry.Contains('#', StringComparison.Ordinal))
            throw new ArgumentException("a deny-list entry is one SPIFFE ID or one hex certificate serial", nameof(entry));
        RevocationList parsed;
        try
        {
            parsed = RevocationList.Parse(entry);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"'{(entry.Length > 64 ? entry[..64] + "…" : entry)}' is no deny-list entry: {ex.Message.Replace("line 1: ", "", StringComparison.Ordinal)}", nameof(entry), ex);
        }
        return parsed.Ids.Concat(parsed.Serials).Single();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revoked {Entry} ({Reason}); deny-list version {Version}")]
    private static partial void LogRevoked(ILogger logger, string entry, string reason, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lifted the revocation of {Entry}; deny-list version {Version}")]
    private static partial void LogLifted(ILogger logger, string entry, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster} applied deny-list version {Version} ({Count} entries)")]
    private static partial void LogApplied(ILogger logger, string cluster, long version, int count);
}
