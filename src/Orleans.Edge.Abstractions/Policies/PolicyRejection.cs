namespace Orleans.Edge.Policies;

/// <summary>
/// A policy document a tier received over its downlink and could not accept. The tier skips it,
/// keeps applying later documents and records it, so its resume point moves past the version and
/// it is not fetched again, restarts included.
/// </summary>
/// <param name="Version">Version of the rejected document.</param>
/// <param name="Scope">Its scope as far as it could be read.</param>
/// <param name="Reason">Why it was rejected, for the person who wrote it.</param>
/// <param name="At">When it was rejected (the rejecting tier's clock).</param>
/// <param name="Unverified">
/// True when it failed the signature, scope or replay check: its version is only the sender's claim, so it is
/// reported but never moves the resume point (a forged high version must not make a tier skip real documents).
/// </param>
[GenerateSerializer, Immutable]
public sealed record PolicyRejection(
    [property: Id(0)] long Version,
    [property: Id(1)] string Scope,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] bool Unverified = false)
{
    /// <summary>
    /// What of <paramref name="rejected"/> a tier records: the newest malformed one if newer than <paramref name="lastRejection"/>
    /// (it moves the resume point), and the latest unverified one if it differs from <paramref name="lastRefused"/> (reported only).
    /// </summary>
    public static (PolicyRejection? Rejection, PolicyRejection? Refused) ToRecord(IReadOnlyList<PolicyRejection> rejected,
        PolicyRejection? lastRejection, PolicyRejection? lastRefused)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var newest = rejected.Where(r => !r.Unverified).MaxBy(r => r.Version);
        var refused = rejected.LastOrDefault(r => r.Unverified);
        return (newest is not null && newest.Version > (lastRejection?.Version ?? 0) ? newest : null,
            refused is not null && refused != lastRefused ? refused : null);
    }

    /// <summary>The later of two rejections (by <see cref="At"/>), for what a tier reports; null when both are.</summary>
    public static PolicyRejection? Latest(PolicyRejection? a, PolicyRejection? b) =>
        a is null ? b : b is null ? a : b.At >= a.At ? b : a;
}
