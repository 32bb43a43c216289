using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>
/// A certificate authority of the fleet: the root (signs region intermediates, region and cloud
/// identities) or a region's intermediate (signs the stores of that region only, so a region can
/// onboard a store while the cloud is unreachable). The CA decides the identity it issues; a CSR
/// only proposes one, and a CSR that proposes another identity is refused.
/// </summary>
/// <remarks>
/// A region intermediate carries its region's SPIFFE ID as its URI SAN. X.509 URI name
/// constraints would express "only this region's stores", but .NET's chain building does not
/// enforce them, so the rule lives in <see cref="PeerValidator"/>: a store certificate is accepted
/// only when issued by the intermediate of the store's own region.
/// </remarks>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>File of the CA certificate followed by its issuers up to the root.</summary>
    public const string CertificateFile = "ca.crt.pem";

    /// <summary>File of the CA's private key (PKCS#8 PEM, optionally encrypted; mode 0600).</summary>
    public const string KeyFile = "ca.key.pem";

    /// <summary>Default validity of a node certificate.</summary>
    public static readonly TimeSpan DefaultNodeValidity = TimeSpan.FromDays(30);

    /// <summary>Default validity of the root CA.</summary>
    public static readonly TimeSpan DefaultRootValidity = TimeSpan.FromDays(3650);

    /// <summary>Default validity of the document signer's certificate (rotate it well before; see docs/trust.md).</summary>
    public static readonly TimeSpan DefaultSignerValidity = TimeSpan.FromDays(365);

    /// <summary>Default validity of a region intermediate CA.</summary>
    public static readonly TimeSpan DefaultRegionValidity = TimeSpan.FromDays(730);

    // Certificates are back-dated a little so a peer whose clock is slightly behind still accepts them.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;

    private CertificateAuthority(string trustDomain, NodeIdentity? region, X509Certificate2 certificate, X509Certificate2Collection issuers, TimeProvider time)
    {
        TrustDomain = trustDomain;
        Region = region;
        Certificate = certificate;
        Issuers = issuers;
        _time = time;
    }

    /// <summary>The fleet's trust domain.</summary>
    public string TrustDomain { get; }

    /// <summary>For a region intermediate, the region's identity; null for the root.</summary>
    public NodeIdentity? Region { get; }

    /// <summary>Whether this is the fleet root.</summary>
    public bool IsRoot => Region is null;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA's issuers, nearest first, ending with the root (empty for the root itself).</summary>
    public X509Certificate2Collection Issuers { get; }

    /// <summary>The root certificate (what peers put in their trust bundle).</summary>
    public X509Certificate2 Root => Issuers.Count == 0 ? Certificate : Issuers[^1];

    /// <summary>Creates a new self-signed fleet root CA: ECDSA P-256, path length 1 (root → region intermediate → node).</summary>
    public static CertificateAuthority CreateRoot(string trustDomain, TimeProvider? time = null, TimeSpan? validity = null)
    {
        if (NodeIdentity.TrustDomainProblem(trustDomain) is { } problem) throw new TrustException(problem);
        time ??= TimeProvider.System;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName(trustDomain);
        name.AddCommonName("Orleans.Edge fleet root CA");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        AddCaExtensions(request, pathLength: 1);
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now - ClockSkew, now + (validity ?? DefaultRootValidity));
        return new CertificateAuthority(trustDomain, null, Rebuild(created, key), [], time);
    }

    /// <summary>
    /// Issues the intermediate CA of <paramref name="regionId"/> (path length 0: it signs nodes only).
    /// Its key is made here; run this where the region CA will live, or use <see cref="SignRegionCsr"/>.
    /// </summary>
    public CertificateAuthority IssueRegionCa(string regionId, TimeSpan? validity = null)
    {
        var region = NodeIdentity.Region(TrustDomain, regionId);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectFor(region, ca: true), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(SpiffeSan.CreateExtension(region));
        using var issued = SignRegionRequest(request, region, validity);
        return new CertificateAuthority(TrustDomain, region, Rebuild(issued, key), ChainOfThis(), _time);
    }

    /// <summary>Signs a region intermediate CA from the region's CSR (the region keeps its key).</summary>
    public X509Certificate2 SignRegionCsr(string csrPem, string regionId, TimeSpan? validity = null)
    {
        var region = NodeIdentity.Region(TrustDomain, regionId);
        var request = LoadCsr(csrPem, region);
        return SignRegionRequest(request, region, validity);
    }

    /// <summary>
    /// Signs a node's CSR as <paramref name="identity"/>. The root signs the cloud, regions (and stores of a region without
    /// an intermediate); a region intermediate signs only its own region's stores. The CSR must request exactly <paramref name="identity"/> as its SPIFFE
    /// ID and use an ECDSA P-256 key; only that SAN is copied. EKU serverAuth + clientAuth.
    /// </summary>
    public X509Certificate2 SignNodeCsr(string csrPem, NodeIdentity identity, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (MayIssue(identity) is { } refusal) throw new TrustException(refusal);
        var request = LoadCsr(csrPem, identity);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(Oids.ServerAuth), new Oid(Oids.ClientAuth)], false));
        request.CertificateExtensions.Add(SpiffeSan.CreateExtension(identity));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        return Issue(request, validity ?? DefaultNodeValidity);
    }

    /// <summary>
    /// Issues the fleet's document signer (<c>spiffe://&lt;domain&gt;/cloud/signer</c>), root only: a new ECDSA P-256 key and
    /// a certificate with EKU codeSigning alone (no serverAuth/clientAuth), key usage digitalSignature, not a CA. The key is
    /// made here, where the root is; move it to the cloud (<see cref="DocumentSigner.Save"/> writes it mode 0600).
    /// </summary>
    public X509Certificate2 IssueSigner(TimeSpan? validity = null)
    {
        if (!IsRoot) throw new TrustException("only the root CA issues the document signer");
        var identity = NodeIdentity.Signer(TrustDomain);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectFor(identity, ca: false), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(Oids.CodeSigning)], true));
        request.CertificateExtensions.Add(SpiffeSan.CreateExtension(identity));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        using var issued = Issue(request, validity ?? DefaultSignerValidity);
        return Rebuild(issued, key);
    }

    /// <summary>Why this CA may not issue <paramref name="identity"/>, or null when it may.</summary>
    public string? MayIssue(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.TrustDomain != TrustDomain)
            return $"this CA issues identities of trust domain '{TrustDomain}', not '{identity.TrustDomain}'";
        if (identity.Kind == NodeKind.Signer)
            return $"{identity} is the document signer: it is issued by the root with issue-signer (EKU codeSigning), never as a node";
        // The root may sign anything of its domain; a store it signs directly is valid (a region
        // without an intermediate of its own), though stores are normally signed by their region.
        if (IsRoot) return null;
        if (identity.Kind != NodeKind.Store)
            return $"the intermediate of region '{Region!.RegionId}' signs only its region's stores, not {identity}";
        return identity.RegionId == Region!.RegionId
            ? null
            : $"the intermediate of region '{Region.RegionId}' may not sign {identity}, a store of region '{identity.RegionId}'";
    }

    /// <summary>The chain a node certificate issued by this CA presents: this CA and its issuers below the root.</summary>
    public X509Certificate2Collection ChainBelowRoot()
    {
        var chain = new X509Certificate2Collection();
        if (IsRoot) return chain;
        chain.Add(Certificate);
        foreach (var issuer in Issuers) if (!IsSelfSigned(issuer)) chain.Add(issuer);
        return chain;
    }

    /// <summary>
    /// Writes <see cref="CertificateFile"/> (this CA and its issuers) and <see cref="KeyFile"/> (0600;
    /// encrypted PKCS#8 when <paramref name="password"/> is given) into <paramref name="directory"/>.
    /// </summary>
    public void Save(string directory, string? password = null)
    {
        using var key = Certificate.GetECDsaPrivateKey() ?? throw new TrustException("the CA certificate has no private key");
        PemFiles.WriteSecret(Path.Combine(directory, KeyFile), PemFiles.PrivateKey(key, password));
        PemFiles.WritePublic(Path.Combine(directory, CertificateFile), PemFiles.Certificates([Certificate, .. Issuers]));
    }

    /// <summary>Loads a CA written by <see cref="Save"/>.</summary>
    public static CertificateAuthority Load(string directory, string? password = null, TimeProvider? time = null)
    {
        var certPath = Path.Combine(directory, CertificateFile);
        var keyPath = Path.Combine(directory, KeyFile);
        if (!File.Exists(certPath)) throw new TrustException($"{certPath} does not exist; is {directory} a CA directory (made by init-ca or issue-region)?");
        if (!File.Exists(keyPath)) throw new TrustException($"{keyPath} does not exist; the CA's key must be beside its certificate");
        var certificates = PemFiles.ReadCertificates(certPath);
        using var key = PemFiles.ReadPrivateKey(File.ReadAllText(keyPath), password, keyPath);
        X509Certificate2 certificate;
        try
        {
            certificate = certificates[0].CopyWithPrivateKey(key);
        }
        catch (ArgumentException ex)
        {
            throw new TrustException($"{keyPath} is not the key of the certificate in {certPath}", ex);
        }
        var issuers = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++) issuers.Add(certificates[i]);
        var isCa = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
        if (!isCa) throw new TrustException($"{certPath} is not a CA certificate");
        if (IsSelfSigned(certificate))
            return new CertificateAuthority(TrustDomainOf(certificate, certPath), null, certificate, issuers, time ?? TimeProvider.System);
        var region = SpiffeSan.Read(certificate);
        if (region.Identity is not { Kind: NodeKind.Region } identity)
            throw new TrustException($"{certPath} is an intermediate CA without a region SPIFFE ID ({region.Problem ?? region.Identity?.ToString()})");
        return new CertificateAuthority(identity.TrustDomain, identity, certificate, issuers, time ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();

    internal static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static string TrustDomainOf(X509Certificate2 root, string path)
    {
        var organisation = root.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(n => n.GetSingleElementType().Value == "2.5.4.10")?.GetSingleElementValue();
        return organisation is not null && NodeIdentity.TrustDomainProblem(organisation) is null
            ? organisation
            : throw new TrustException($"{path}: the root CA's organisation names no trust domain");
    }

    private X509Certificate2 SignRegionRequest(CertificateRequest request, NodeIdentity region, TimeSpan? validity)
    {
        if (!IsRoot) throw new TrustException("only the root CA issues region intermediates");
        request.CertificateExtensions.Clear();
        AddCaExtensions(request, pathLength: 0);
        request.CertificateExtensions.Add(SpiffeSan.CreateExtension(region));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        return Issue(request, validity ?? DefaultRegionValidity);
    }

    private static CertificateRequest LoadCsr(string csrPem, NodeIdentity identity)
    {
        CertificateRequest request;
        try
        {
            // Extensions are loaded only to read the requested SAN; they are cleared before signing.
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new TrustException($"the CSR cannot be read or its signature does not verify: {ex.Message}", ex);
        }
        using (var key = request.PublicKey.GetECDsaPublicKey())
        {
            if (key is null || key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                throw new TrustException("the CSR's key is not ECDSA P-256");
        }
        var requested = SpiffeSan.Read(request.CertificateExtensions);
        if (requested.Identity is null)
            throw new TrustException($"the CSR requests no usable SPIFFE ID ({requested.Problem}); it must request {identity}");
        if (requested.Identity != identity)
            throw new TrustException($"the CSR requests {requested.Identity}, but this CA is issuing {identity}; refused");
        request.CertificateExtensions.Clear();
        return request;
    }

    private X509Certificate2 Issue(CertificateRequest request, TimeSpan validity)
    {
        if (validity <= TimeSpan.Zero) throw new TrustException("a certificate's validity must be positive");
        var now = _time.GetUtcNow();
        var notBefore = now - ClockSkew;
        var notAfter = now + validity;
        if (notAfter > Certificate.NotAfter.ToUniversalTime()) notAfter = Certificate.NotAfter.ToUniversalTime();
        if (notBefore < Certificate.NotBefore.ToUniversalTime()) notBefore = Certificate.NotBefore.ToUniversalTime();
        if (notAfter <= now) throw new TrustException($"this CA expired at {Certificate.NotAfter.ToUniversalTime():u}; it can issue nothing");
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DeduplicateExtensions(request);
        using var signer = Certificate.GetECDsaPrivateKey() ?? throw new TrustException("the CA certificate has no private key");
        var generator = X509SignatureGenerator.CreateForECDsa(signer);
        return request.Create(Certificate.SubjectName, generator, notBefore, notAfter, NewSerial());
    }

    private static void DeduplicateExtensions(CertificateRequest request)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = request.CertificateExtensions.Count - 1; i >= 0; i--)
        {
            if (!seen.Add(request.CertificateExtensions[i].Oid!.Value!)) request.CertificateExtensions.RemoveAt(i);
        }
    }

    private static void AddCaExtensions(CertificateRequest request, int pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private X509Certificate2Collection ChainOfThis() => [Certificate.CopyWithoutKey(), .. Issuers];

    internal static X500DistinguishedName SubjectFor(NodeIdentity identity, bool ca)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName(identity.TrustDomain);
        name.AddCommonName(ca ? $"Orleans.Edge region {identity.RegionId} CA" : identity.ClusterId);
        return name.Build();
    }

    /// <summary>A random positive 128-bit serial (first byte non-zero, top bit clear).</summary>
    internal static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static X509Certificate2 Rebuild(X509Certificate2 certificate, ECDsa key)
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        return publicOnly.CopyWithPrivateKey(key);
    }
}

internal static class Oids
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    public const string CodeSigning = "1.3.6.1.5.5.7.3.3";
}

internal static class CertificateExtensions
{
    public static X509Certificate2 CopyWithoutKey(this X509Certificate2 certificate) =>
        X509CertificateLoader.LoadCertificate(certificate.RawData);
}
