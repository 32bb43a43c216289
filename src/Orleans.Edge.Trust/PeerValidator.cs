using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>Why a peer's certificate was refused.</summary>
public enum PeerRefusal
{
    /// <summary>Not refused.</summary>
    None,
    /// <summary>The peer presented no certificate.</summary>
    NoCertificate,
    /// <summary>The certificate does not chain to a root in the trust bundle (another CA, or a missing intermediate).</summary>
    UntrustedIssuer,
    /// <summary>The certificate (or a CA above it) has expired.</summary>
    Expired,
    /// <summary>The certificate (or a CA above it) is not valid yet.</summary>
    NotYetValid,
    /// <summary>A serial in the chain, or the SPIFFE ID, is on the deny-list.</summary>
    Revoked,
    /// <summary>The issuing CA may not issue this identity (e.g. region eu's intermediate signed a store of region us).</summary>
    IssuerNotAllowed,
    /// <summary>No SPIFFE URI SAN.</summary>
    NoSpiffeId,
    /// <summary>More than one SPIFFE URI SAN (or SAN extension).</summary>
    MultipleSpiffeIds,
    /// <summary>A SPIFFE URI SAN that does not name a node of the fleet.</summary>
    InvalidSpiffeId,
    /// <summary>A SPIFFE ID of another trust domain.</summary>
    WrongTrustDomain,
    /// <summary>The certificate may not be used for this side of TLS (EKU clientAuth / serverAuth, key usage).</summary>
    WrongKeyUsage,
    /// <summary>The peer presented a CA certificate as its own.</summary>
    NotALeaf,
    /// <summary>The chain is broken in another way (bad signature, bad constraints...).</summary>
    InvalidChain,
    /// <summary>A valid identity, but not one this node talks to over a tier link (another region's store; a server that is not this child's parent).</summary>
    NotAuthorized,
}

/// <summary>Which side of TLS the peer is on: it decides the EKU its certificate must carry.</summary>
public enum PeerRole
{
    /// <summary>The peer is a TLS client (a child dialling in): EKU clientAuth.</summary>
    Client,
    /// <summary>The peer is a TLS server (the parent a child dials): EKU serverAuth.</summary>
    Server,
    /// <summary>Not a TLS peer: the signer of a policy or model assignment. EKU codeSigning and the identity <c>/cloud/signer</c>.</summary>
    DocumentSigner,
}

/// <summary>The authenticated identity of a peer, or the reason it was refused.</summary>
public sealed record PeerValidation(NodeIdentity? Identity, PeerRefusal Refusal, string? Problem, string? Serial)
{
    /// <summary>Whether the peer is authenticated as <see cref="Identity"/>.</summary>
    public bool IsAuthenticated => Refusal == PeerRefusal.None && Identity is not null;

    /// <summary>A refusal.</summary>
    public static PeerValidation Refuse(PeerRefusal refusal, string problem, string? serial = null) => new(null, refusal, problem, serial);

    /// <inheritdoc />
    public override string ToString() => IsAuthenticated ? $"authenticated {Identity}" : $"refused ({Refusal}): {Problem}";
}

/// <summary>
/// Authenticates a peer from the certificate and chain it presented: chains it to the trust bundle
/// only (custom root trust, no system roots, no downloads, no online revocation), checks validity
/// times against the injected clock, the SPIFFE ID, the EKU, that a store's intermediate is its own
/// region's, and the deny-list. Immutable: build a new one when the bundle or deny-list changes.
/// </summary>
public sealed class PeerValidator
{
    private readonly X509Certificate2Collection _roots;
    private readonly TimeProvider _time;

    /// <summary>Creates a validator for peers of <paramref name="trustDomain"/> chaining to <paramref name="roots"/>.</summary>
    public PeerValidator(string trustDomain, X509Certificate2Collection roots, RevocationList? revocations = null, TimeProvider? time = null)
    {
        if (NodeIdentity.TrustDomainProblem(trustDomain) is { } problem) throw new ArgumentException(problem, nameof(trustDomain));
        ArgumentNullException.ThrowIfNull(roots);
        if (roots.Count == 0) throw new ArgumentException("the trust bundle is empty", nameof(roots));
        TrustDomain = trustDomain;
        _roots = [.. roots.Select(r => r.CopyWithoutKey())];
        Revocations = revocations ?? RevocationList.Empty;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The trust domain peers must belong to.</summary>
    public string TrustDomain { get; }

    /// <summary>The deny-list applied.</summary>
    public RevocationList Revocations { get; }

    /// <summary>Validates a peer's certificate; <paramref name="presented"/> are the other certificates it sent (intermediates).</summary>
    public PeerValidation Validate(X509Certificate2? certificate, IEnumerable<X509Certificate2>? presented = null, PeerRole role = PeerRole.Client)
    {
        if (certificate is null) return PeerValidation.Refuse(PeerRefusal.NoCertificate, "the peer presented no client certificate");
        var serial = certificate.SerialNumber;
        var now = _time.GetUtcNow();
        if (TimeProblem(certificate, now, "the certificate") is { } leafTime) return leafTime with { Serial = serial };

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_roots);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        foreach (var extra in presented ?? [])
        {
            if (!extra.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)) policy.ExtraStore.Add(extra);
        }
        var built = chain.Build(certificate);
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        // Another CA first: its other flaws are not worth reporting.
        var anchored = elements.Count > 0 && _roots.Any(r => r.RawDataMemory.Span.SequenceEqual(elements[^1].RawDataMemory.Span));
        if (!anchored || (flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
            return PeerValidation.Refuse(PeerRefusal.UntrustedIssuer,
                $"the certificate '{certificate.Subject}' (issuer '{certificate.Issuer}') does not chain to the fleet's root CA", serial);
        foreach (var element in elements.Skip(1))
        {
            if (TimeProblem(element, now, $"its issuer '{element.Subject}'") is { } issuerTime) return issuerTime with { Serial = serial };
        }
        if (!built)
        {
            if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
                return PeerValidation.Refuse(PeerRefusal.Expired, "a certificate in the chain is outside its validity period", serial);
            return PeerValidation.Refuse(PeerRefusal.InvalidChain, $"the certificate chain is invalid: {flags}", serial);
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            return PeerValidation.Refuse(PeerRefusal.NotALeaf, "the peer presented a CA certificate as its own", serial);

        var reading = SpiffeSan.Read(certificate);
        if (reading.Identity is not { } identity) return PeerValidation.Refuse(reading.Refusal, reading.Problem!, serial);
        if (identity.TrustDomain != TrustDomain)
            return PeerValidation.Refuse(PeerRefusal.WrongTrustDomain, $"{identity} is not of trust domain '{TrustDomain}'", serial);

        if (UsageProblem(certificate, identity, role) is { } usage) return PeerValidation.Refuse(PeerRefusal.WrongKeyUsage, usage, serial);

        if (IssuerProblem(identity, elements) is { } issuer) return PeerValidation.Refuse(PeerRefusal.IssuerNotAllowed, issuer, serial);

        if (Revocations.IsRevoked(identity)) return PeerValidation.Refuse(PeerRefusal.Revoked, $"{identity} is revoked", serial);
        foreach (var element in elements)
        {
            if (Revocations.IsSerialRevoked(element.SerialNumber))
                return PeerValidation.Refuse(PeerRefusal.Revoked,
                    element == elements[0] ? $"the certificate of {identity} (serial {serial}) is revoked" : $"the CA '{element.Subject}' (serial {element.SerialNumber}) that issued {identity} is revoked",
                    serial);
        }
        return new PeerValidation(identity, PeerRefusal.None, null, serial);
    }

    /// <summary>
    /// A callback for <see cref="SslServerAuthenticationOptions.RemoteCertificateValidationCallback"/> (or the client's):
    /// ignores the platform's verdict (it knows only system roots) and applies this validator;
    /// <paramref name="onResult"/> sees every outcome (log, count, remember the identity).
    /// </summary>
    public RemoteCertificateValidationCallback CreateCallback(PeerRole role, Action<PeerValidation>? onResult = null) =>
        (_, certificate, chain, _) =>
        {
            var result = Validate(certificate, chain, role);
            onResult?.Invoke(result);
            return result.IsAuthenticated;
        };

    /// <summary>Validates what a TLS stack hands over: the peer's certificate and the chain it built (whose extra store holds what the peer sent).</summary>
    public PeerValidation Validate(X509Certificate? certificate, X509Chain? chain, PeerRole role)
    {
        if (certificate is null) return Validate((X509Certificate2?)null, null, role);
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var presented = new List<X509Certificate2>();
        if (chain is not null)
        {
            presented.AddRange(chain.ChainPolicy.ExtraStore);
            presented.AddRange(chain.ChainElements.Select(e => e.Certificate));
        }
        return Validate(leaf, presented, role);
    }

    private static PeerValidation? TimeProblem(X509Certificate2 certificate, DateTimeOffset now, string what)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (now < notBefore) return PeerValidation.Refuse(PeerRefusal.NotYetValid, $"{what} is not valid before {notBefore:u} (now {now:u})");
        if (now > notAfter) return PeerValidation.Refuse(PeerRefusal.Expired, $"{what} expired at {notAfter:u} (now {now:u})");
        return null;
    }

    private static string? UsageProblem(X509Certificate2 certificate, NodeIdentity identity, PeerRole role)
    {
        // The signer and the nodes are kept apart both ways: by EKU and by identity.
        if ((role == PeerRole.DocumentSigner) != (identity.Kind == NodeKind.Signer))
            return role == PeerRole.DocumentSigner
                ? $"{identity} is not the fleet's document signer ({NodeIdentity.Signer(identity.TrustDomain)}); a node's certificate may not sign documents"
                : $"{identity} is the document signer; its certificate may not be used for TLS";
        var (oid, name) = role switch
        {
            PeerRole.Client => (Oids.ClientAuth, "clientAuth"),
            PeerRole.Server => (Oids.ServerAuth, "serverAuth"),
            _ => (Oids.CodeSigning, "codeSigning"),
        };
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null || !eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == oid))
            return role == PeerRole.DocumentSigner
                ? "the certificate's extended key usage lacks codeSigning, so it may not sign documents"
                : $"the certificate's extended key usage lacks {name}, so it may not be used as a TLS {role.ToString().ToLowerInvariant()}";
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (keyUsage is not null && (keyUsage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
            return "the certificate's key usage lacks digitalSignature";
        return null;
    }

    // URI name constraints are not enforced by .NET's chain building, so the hierarchy's rule is
    // enforced here: the root issues the cloud and regions (and may issue stores); a region
    // intermediate issues only the stores of its own region.
    private static string? IssuerProblem(NodeIdentity identity, List<X509Certificate2> elements)
    {
        if (elements.Count == 2) return null;
        if (elements.Count != 3)
            return $"{identity} is issued through {elements.Count - 2} intermediates; at most one, its region's, is allowed";
        var intermediate = elements[1];
        var issuer = SpiffeSan.Read(intermediate).Identity;
        if (issuer is not { Kind: NodeKind.Region })
            return $"{identity} is issued by the intermediate '{intermediate.Subject}', which names no region";
        if (identity.Kind != NodeKind.Store)
            return $"{identity} is issued by the intermediate of region '{issuer.RegionId}'; only the root issues {identity.Kind.ToString().ToLowerInvariant()} identities";
        if (issuer.TrustDomain != identity.TrustDomain || issuer.RegionId != identity.RegionId)
            return $"{identity} is a store of region '{identity.RegionId}' but was issued by the intermediate of region '{issuer.RegionId}'";
        return null;
    }
}

/// <summary>Which parent a child may talk to over a tier link.</summary>
public static class ParentAuthorizer
{
    /// <summary>Why <paramref name="child"/> may not push to or subscribe at <paramref name="parent"/>, or null when it may.</summary>
    public static string? Problem(NodeIdentity parent, NodeIdentity child)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(child);
        if (parent.TrustDomain != child.TrustDomain) return $"{child} is not of this fleet's trust domain '{parent.TrustDomain}'";
        return (parent.Kind, child.Kind) switch
        {
            (NodeKind.Cloud, NodeKind.Region) => null,
            (NodeKind.Region, NodeKind.Store) when parent.RegionId == child.RegionId => null,
            (NodeKind.Region, NodeKind.Store) => $"{child} belongs to region '{child.RegionId}', not to this region '{parent.RegionId}'",
            _ => $"{child} is not a child of {parent}: a store's parent is its region, a region's parent is the cloud",
        };
    }

    /// <summary>Whether <paramref name="child"/> may push to or subscribe at <paramref name="parent"/>.</summary>
    public static bool MayConnect(NodeIdentity parent, NodeIdentity child) => Problem(parent, child) is null;

    /// <summary>The one parent of <paramref name="child"/> (what a child expects the server it dials to be); null for the cloud.</summary>
    public static NodeIdentity? ParentOf(NodeIdentity child)
    {
        ArgumentNullException.ThrowIfNull(child);
        return child.Kind switch
        {
            NodeKind.Store => child.RegionIdentity(),
            NodeKind.Region => NodeIdentity.Cloud(child.TrustDomain),
            _ => null,
        };
    }
}
