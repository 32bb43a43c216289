namespace Orleans.Edge.Signing;

/// <summary>
/// The cloud's signature over a published document (<see cref="SignedContent"/>), travelling with it
/// unchanged through every region: a relay cannot re-sign, so a store checks the cloud's own signature.
/// </summary>
/// <param name="Value">ECDSA P-256 over SHA-256 of the canonical content, IEEE P1363 (r‖s, 64 bytes).</param>
/// <param name="SignerCertificate">DER of the signing certificate (<c>spiffe://&lt;domain&gt;/cloud/signer</c>, issued by the fleet root).</param>
[GenerateSerializer, Immutable]
public sealed record DocumentSignature(
    [property: Id(0)] byte[] Value,
    [property: Id(1)] byte[] SignerCertificate)
{
    /// <summary>Byte-wise equality, so a document compares equal to its own round trip.</summary>
    public bool Equals(DocumentSignature? other) =>
        other is not null && Value.AsSpan().SequenceEqual(other.Value) && SignerCertificate.AsSpan().SequenceEqual(other.SignerCertificate);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Value);
        hash.AddBytes(SignerCertificate);
        return hash.ToHashCode();
    }
}

/// <summary>Why a signed document was not accepted; the metric's <c>reason</c> tag is <see cref="SignatureChecks.Tag"/>.</summary>
public enum SignatureRejection
{
    /// <summary>Accepted.</summary>
    None = 0,
    /// <summary>No signature at all.</summary>
    NotSigned,
    /// <summary>The signature does not match the content: some field (or the signature) was changed.</summary>
    Tampered,
    /// <summary>Signed by a certificate of the fleet that is not the document signer (e.g. a node's TLS certificate).</summary>
    NotASigner,
    /// <summary>The signer certificate does not chain to the fleet's trust bundle (another CA), or cannot be read.</summary>
    UntrustedSigner,
    /// <summary>The signer certificate (or its CA) is expired or not yet valid.</summary>
    SignerExpired,
    /// <summary>The signer certificate, its identity or its CA is on the deny-list.</summary>
    SignerRevoked,
    /// <summary>Authentic, but its version is not newer than what the tier already applied or holds.</summary>
    Replayed,
    /// <summary>Authentic, but for a scope that does not reach this tier (another region or store).</summary>
    WrongScope,
    /// <summary>This tier has no <see cref="IDocumentVerifier"/> registered, so it can check nothing and takes nothing.</summary>
    NoVerifier,
}

/// <summary>The outcome of checking a signed document.</summary>
/// <param name="Rejection">Why it was refused; <see cref="SignatureRejection.None"/> when accepted.</param>
/// <param name="Problem">What is wrong, for a person; null when accepted.</param>
public sealed record SignatureCheck(SignatureRejection Rejection, string? Problem)
{
    /// <summary>An accepted document.</summary>
    public static SignatureCheck Valid { get; } = new(SignatureRejection.None, null);

    /// <summary>True when accepted.</summary>
    public bool IsValid => Rejection == SignatureRejection.None;

    /// <summary>A refusal.</summary>
    public static SignatureCheck Refuse(SignatureRejection rejection, string problem) => new(rejection, problem);

    /// <summary>One line for logs and reported state: <c>tampered: …</c>.</summary>
    public override string ToString() => IsValid ? "valid" : $"{Rejection.Tag()}: {Problem}";
}

/// <summary>Signs published documents (the cloud). One key, used for nothing else.</summary>
public interface IDocumentSigner
{
    /// <summary>Signs <paramref name="content"/>, the canonical bytes of a document (<see cref="SignedContent"/>).</summary>
    DocumentSignature Sign(ReadOnlySpan<byte> content);
}

/// <summary>
/// Checks the cloud's signature on a document (regions and stores). Every tier that receives documents
/// over a downlink must have one registered: there is no default that accepts.
/// </summary>
public interface IDocumentVerifier
{
    /// <summary>Checks that <paramref name="signature"/> is the fleet signer's, valid now, over exactly <paramref name="content"/>.</summary>
    SignatureCheck Verify(ReadOnlySpan<byte> content, DocumentSignature? signature);
}

/// <summary>Signing and checking whole documents, and the admission rule of a receiving tier.</summary>
public static class SignatureChecks
{
    /// <summary>The metric tag and report prefix of a rejection, e.g. <c>wrong_scope</c>.</summary>
    public static string Tag(this SignatureRejection rejection) => rejection switch
    {
        SignatureRejection.None => "none",
        SignatureRejection.NotSigned => "unsigned",
        SignatureRejection.Tampered => "tampered",
        SignatureRejection.NotASigner => "not_a_signer",
        SignatureRejection.UntrustedSigner => "untrusted_signer",
        SignatureRejection.SignerExpired => "signer_expired",
        SignatureRejection.SignerRevoked => "signer_revoked",
        SignatureRejection.Replayed => "replayed",
        SignatureRejection.WrongScope => "wrong_scope",
        SignatureRejection.NoVerifier => "no_verifier",
        _ => rejection.ToString().ToLowerInvariant(),
    };

    /// <summary>The document with the signer's signature over its canonical content (any old signature is replaced).</summary>
    public static Policies.PolicyDocument Sign(this IDocumentSigner signer, Policies.PolicyDocument document) =>
        document with { Signature = signer.Sign(SignedContent.Of(document)) };

    /// <summary>The assignment with the signer's signature over its canonical content (any old signature is replaced).</summary>
    public static Models.ModelAssignment Sign(this IDocumentSigner signer, Models.ModelAssignment assignment) =>
        assignment with { Signature = signer.Sign(SignedContent.Of(assignment)) };

    /// <summary>The deny-list with the signer's signature over its version and entries (any old signature is replaced).</summary>
    public static Grains.PublishedRevocations Sign(this IDocumentSigner signer, Grains.PublishedRevocations revocations) =>
        revocations with { Signature = signer.Sign(SignedContent.Of(revocations)) };

    /// <summary>
    /// Whether a tier may take the fleet's deny-list <paramref name="revocations"/>: the cloud's signature over exactly
    /// its version and entries, then that its version is newer than <paramref name="heldVersion"/>, the one the tier holds.
    /// The list is fleet-wide, so there is no scope to check.
    /// </summary>
    public static SignatureCheck Admit(this IDocumentVerifier verifier, Grains.PublishedRevocations revocations, long heldVersion)
    {
        var check = verifier.Verify(SignedContent.Of(revocations), revocations.Signature);
        if (!check.IsValid) return check;
        return revocations.Version <= heldVersion
            ? SignatureCheck.Refuse(SignatureRejection.Replayed, $"deny-list version {revocations.Version} is not newer than version {heldVersion} held here")
            : SignatureCheck.Valid;
    }

    /// <summary>
    /// Whether a tier may take <paramref name="document"/>: the cloud's signature over its content first (so an
    /// unauthentic document is reported as such), then that its scope reaches the tier (<paramref name="storeId"/> null:
    /// a region), then that its version is newer than <paramref name="resumeAfter"/>, the highest the tier applied or holds.
    /// </summary>
    public static SignatureCheck Admit(this IDocumentVerifier verifier, Policies.IScopedDocument document, ReadOnlySpan<byte> content,
        DocumentSignature? signature, string regionId, string? storeId, long resumeAfter)
    {
        var check = verifier.Verify(content, signature);
        if (!check.IsValid) return check;
        var reaches = storeId is null ? document.Scope.Reaches(regionId) : document.Scope.Reaches(regionId, storeId);
        if (!reaches)
            return SignatureCheck.Refuse(SignatureRejection.WrongScope,
                $"version {document.Version} is for {document.Scope.Key}, which does not reach {(storeId is null ? $"region {regionId}" : $"store {regionId}/{storeId}")}");
        if (document.Version <= resumeAfter)
            return SignatureCheck.Refuse(SignatureRejection.Replayed,
                $"version {document.Version} for {document.Scope.Key} is not newer than version {resumeAfter} already applied here");
        return SignatureCheck.Valid;
    }

    /// <summary>The admission check (signature, scope, version) for a policy document.</summary>
    public static SignatureCheck Admit(this IDocumentVerifier verifier, Policies.PolicyDocument document, string regionId, string? storeId, long resumeAfter) =>
        verifier.Admit(document, SignedContent.Of(document), document.Signature, regionId, storeId, resumeAfter);

    /// <summary>The admission check (signature, scope, version) for a model assignment.</summary>
    public static SignatureCheck Admit(this IDocumentVerifier verifier, Models.ModelAssignment assignment, string regionId, string? storeId, long resumeAfter) =>
        verifier.Admit(assignment, SignedContent.Of(assignment), assignment.Signature, regionId, storeId, resumeAfter);
}
