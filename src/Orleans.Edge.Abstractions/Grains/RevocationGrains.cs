namespace Orleans.Edge.Grains;

/// <summary>
/// The fleet's deny-list as the tier links carry it down: SPIFFE IDs (every certificate of that
/// identity) and certificate serials in hex (one certificate, or a region CA and every store it
/// issued), in their canonical spelling, with a version that only grows. The cloud signs each version
/// (<see cref="Signing.SignedContent.Of(PublishedRevocations)"/>); regions relay the signature untouched
/// and every tier below checks it before the list is applied.
/// </summary>
/// <param name="Version">The list's version; each change at the cloud is the next one.</param>
/// <param name="Entries">SPIFFE IDs and hex serials, in the cloud's order (the signature covers the order).</param>
/// <param name="Signature">The cloud signer's signature over the version and entries; null for the empty list and below a cloud that signs nothing.</param>
[GenerateSerializer, Immutable, Alias("Orleans.Edge.PublishedRevocations")]
public sealed record PublishedRevocations(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<string> Entries,
    [property: Id(2)] Signing.DocumentSignature? Signature = null)
{
    /// <summary>Nothing revoked yet.</summary>
    public static PublishedRevocations Empty { get; } = new(0, []);
}

/// <summary>
/// One cluster's copy of the fleet's deny-list (key: the cluster's origin, <c>cloud</c>, a region or a
/// store id). At the cloud, operators revoke and lift entries; below it, the downlink applies what the
/// parent publishes, and the region serves it on to its stores. Each tier's links apply it within seconds.
/// </summary>
[Alias("Orleans.Edge.IRevocationListGrain")]
public interface IRevocationListGrain : IGrainWithStringKey
{
    /// <summary>The list in force.</summary>
    [Alias("get"), Orleans.Concurrency.AlwaysInterleave] Task<PublishedRevocations> Get();

    /// <summary>
    /// The cloud: adds a SPIFFE ID or a hex serial (<paramref name="reason"/> is logged); throws
    /// <see cref="ArgumentException"/> naming the problem for anything else, and changes nothing. The new version is
    /// signed with the cloud's document signer; a cloud without one throws <see cref="InvalidOperationException"/>.
    /// </summary>
    [Alias("revoke")] Task<PublishedRevocations> Revoke(string entry, string reason);

    /// <summary>The cloud: removes an entry (a mistaken revocation); a new version either way it changed.</summary>
    [Alias("lift")] Task<PublishedRevocations> Lift(string entry);

    /// <summary>
    /// Below the cloud: takes the parent's list, with the cloud's signature, if it is newer than the one held; true when it
    /// was. It does not check the signature: the downlink does, before calling it.
    /// </summary>
    [Alias("apply")] Task<bool> Apply(PublishedRevocations list);

    /// <summary>Returns the version once it passes <paramref name="knownVersion"/>, or when <paramref name="maxWait"/> has passed.</summary>
    [Alias("wait"), Orleans.Concurrency.AlwaysInterleave]
    Task<long> WaitForChange(long knownVersion, TimeSpan maxWait, CancellationToken cancellationToken = default);
}
