using Orleans.Edge.Policies;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Models;

/// <summary>
/// A model version assigned to a scope (global, a region or a store), as the cloud publishes it and
/// the downlink carries it. <see cref="Version"/> is the assignment's own cloud-wide number (not the
/// model's name): it only grows, so a child resumes after the last one it recorded, and an
/// assignment it already holds changes nothing.
/// </summary>
/// <param name="Scope">Where it applies; shelf scopes are refused (a store runs one model).</param>
/// <param name="Version">Assignment version, cloud-wide and increasing.</param>
/// <param name="Manifest">The model assigned, content-addressed by its SHA-256.</param>
/// <param name="ChangedAt">Cloud clock when it was assigned.</param>
/// <param name="Variants">
/// Every registered variant of the version (fp32, int8, ...), each with its own artifact; null or empty
/// on an assignment from before variants existed, which means <see cref="Manifest"/> alone.
/// <see cref="Manifest"/> is the fp32 variant when one is registered (what a store that knows no variants installs).
/// </param>
/// <param name="Signature">The cloud's signature over <see cref="Signing.SignedContent.Of(ModelAssignment)"/> (scope, version, every manifest); relayed untouched.</param>
[GenerateSerializer, Immutable]
public sealed record ModelAssignment(
    [property: Id(0)] PolicyScope Scope,
    [property: Id(1)] long Version,
    [property: Id(2)] ModelManifest Manifest,
    [property: Id(3)] DateTimeOffset ChangedAt,
    [property: Id(4)] IReadOnlyList<ModelManifest>? Variants = null,
    [property: Id(5)] Signing.DocumentSignature? Signature = null) : IScopedDocument
{
    /// <summary>The fallback variant: every model version is expected to have it.</summary>
    public const string DefaultVariant = "fp32";

    /// <summary>
    /// The manifest a store serving <paramref name="variant"/> installs: that variant when registered, else
    /// fp32, else <see cref="Manifest"/>. <c>FellBack</c> is true when it is not the variant asked for.
    /// </summary>
    public (ModelManifest Manifest, bool FellBack) ManifestFor(string? variant)
    {
        var wanted = string.IsNullOrWhiteSpace(variant) ? DefaultVariant : variant;
        IReadOnlyList<ModelManifest> all = Variants is { Count: > 0 } v ? v : [Manifest];
        if (all.FirstOrDefault(m => string.Equals(m.Variant, wanted, StringComparison.OrdinalIgnoreCase)) is { } exact) return (exact, false);
        var fallback = all.FirstOrDefault(m => string.Equals(m.Variant, DefaultVariant, StringComparison.OrdinalIgnoreCase)) ?? Manifest;
        return (fallback, true);
    }
}

/// <summary>What the registry did with a model version offered to it.</summary>
/// <param name="Manifest">The manifest as registered (SHA-256 and size computed by the registry); null when refused.</param>
/// <param name="Problems">Why it was refused; empty when registered.</param>
/// <param name="AlreadyRegistered">True when the same version with the same bytes was registered before (nothing changed).</param>
[GenerateSerializer, Immutable]
public sealed record ModelRegistrationResult(
    [property: Id(0)] ModelManifest? Manifest,
    [property: Id(1)] IReadOnlyList<string> Problems,
    [property: Id(2)] bool AlreadyRegistered = false);

/// <summary>What the registry did with an assignment.</summary>
/// <param name="Assignment">The published assignment; null when refused.</param>
/// <param name="Problems">Why it was refused; empty when published.</param>
[GenerateSerializer, Immutable]
public sealed record ModelAssignmentResult(
    [property: Id(0)] ModelAssignment? Assignment,
    [property: Id(1)] IReadOnlyList<string> Problems);

/// <summary>
/// A store's model state: what its installer serves, what it last refused and why. Reported up
/// with the store's state, shown at the cloud next to the applied policy version.
/// </summary>
/// <param name="AssignmentVersion">Highest assignment version recorded (where the downlink resumes).</param>
/// <param name="TargetVersion">The model version the store's effective assignment names, if any.</param>
/// <param name="AppliedVersion">The model version the installer reported as applied.</param>
/// <param name="RejectedVersion">The newest model version refused (bad hash, load, shape or warm-up failure).</param>
/// <param name="Rejection">Why it was refused.</param>
/// <param name="RejectedSha256">The artifact refused; the store does not fetch it again.</param>
/// <param name="AppliedVariant">The variant of <paramref name="AppliedVersion"/> installed (fp32, int8, ...).</param>
/// <param name="VariantFallback">Set when the store serves another variant than its hardware names, and why.</param>
/// <param name="RefusedAssignment">The model version named by the latest assignment the downlink refused (signature, scope, replay); null once a newer one applied.</param>
/// <param name="Refusal">Which assignment and why, e.g. <c>assignment v7 for store:eu/s1 (model shelf-v2): tampered: …</c>.</param>
[GenerateSerializer, Immutable]
public sealed record StoreModelStatus(
    [property: Id(0)] long AssignmentVersion,
    [property: Id(1)] string? TargetVersion,
    [property: Id(2)] string? AppliedVersion,
    [property: Id(3)] string? RejectedVersion,
    [property: Id(4)] string? Rejection,
    [property: Id(5)] string? RejectedSha256,
    [property: Id(6)] string? AppliedVariant = null,
    [property: Id(7)] string? VariantFallback = null,
    [property: Id(8)] string? RefusedAssignment = null,
    [property: Id(9)] string? Refusal = null);

/// <summary>
/// The latest assignment per scope, as the cloud, a region's relay and a store keep them: a child
/// that was away gets the current assignment per scope, not every intermediate one.
/// </summary>
public sealed class ModelAssignmentBook : ScopedBook<ModelAssignment>
{
    /// <summary>All assignments held.</summary>
    public IReadOnlyCollection<ModelAssignment> Assignments => Held;

    /// <summary>The most specific assignment that reaches the store; null when none does.</summary>
    public ModelAssignment? Resolve(string region, string store) => MostSpecific(scope => scope.Reaches(region, store));
}
