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
[GenerateSerializer, Immutable]
public sealed record PolicyRejection(
    [property: Id(0)] long Version,
    [property: Id(1)] string Scope,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset At);
