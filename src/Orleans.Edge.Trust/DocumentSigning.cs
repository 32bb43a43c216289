using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Edge.Signing;

namespace Orleans.Edge.Trust;

/// <summary>
/// The cloud's document signer: the key of <c>spiffe://&lt;domain&gt;/cloud/signer</c> (issued by the fleet root with
/// EKU codeSigning only) signing the canonical content of each policy and model assignment, ECDSA P-256 over SHA-256,
/// IEEE P1363 format. The signature carries the signer's certificate, so a verifier needs only the trust bundle.
/// </summary>
public sealed class DocumentSigner : IDocumentSigner, IDisposable
{
    /// <summary>The signer's certificate (issued by the root; PEM).</summary>
    public const string CertificateFile = "signer.crt.pem";

    /// <summary>The signer's private key (PKCS#8 PEM, mode 0600).</summary>
    public const string KeyFile = "signer.key.pem";

    private readonly ECDsa _key;
    private readonly byte[] _certificate;
    private readonly Lock _lock = new();

    /// <summary>Signs with <paramref name="certificate"/>'s private key; refused unless it is a signer certificate with its key.</summary>
    public DocumentSigner(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var reading = SpiffeSan.Read(certificate);
        if (reading.Identity is not { Kind: NodeKind.Signer } identity)
            throw new TrustException($"the certificate '{certificate.Subject}' names {reading.Identity?.ToString() ?? "no valid SPIFFE ID"}, not the document signer (spiffe://<domain>/cloud/signer); issue one with 'certs issue-signer'");
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null || !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oids.CodeSigning))
            throw new TrustException($"the signer certificate '{certificate.Subject}' lacks EKU codeSigning");
        _key = certificate.GetECDsaPrivateKey() ?? throw new TrustException($"the signer certificate '{certificate.Subject}' comes without its ECDSA private key");
        Identity = identity;
        Certificate = certificate.CopyWithoutKey();
        _certificate = Certificate.RawData;
    }

    /// <summary>The signer's identity.</summary>
    public NodeIdentity Identity { get; }

    /// <summary>The signer's certificate (without its key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <inheritdoc />
    public DocumentSignature Sign(ReadOnlySpan<byte> content)
    {
        byte[] value;
        // One ECDsa handle shared by every grain activation: serialise its use.
        lock (_lock) value = _key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new DocumentSignature(value, _certificate);
    }

    /// <summary>Writes <paramref name="certificate"/> (with its key) as <see cref="CertificateFile"/> and <see cref="KeyFile"/> (0600) into <paramref name="directory"/>.</summary>
    public static void Save(string directory, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new TrustException("the signer certificate has no private key");
        PemFiles.WriteSecret(Path.Combine(directory, KeyFile), PemFiles.PrivateKey(key, null));
        PemFiles.WritePublic(Path.Combine(directory, CertificateFile), PemFiles.Certificates([certificate]));
    }

    /// <summary>Loads a signer written by <see cref="Save"/> (or by <c>certs issue-signer</c>).</summary>
    public static DocumentSigner Load(string directory)
    {
        var certPath = Path.Combine(directory, CertificateFile);
        var keyPath = Path.Combine(directory, KeyFile);
        if (!File.Exists(certPath)) throw new TrustException($"{certPath} does not exist; make the signer with 'certs issue-signer --ca <root> --out {directory}'");
        if (!File.Exists(keyPath)) throw new TrustException($"{keyPath} does not exist; the signer's key must be beside its certificate");
        using var certificate = PemFiles.ReadCertificates(certPath)[0];
        using var key = PemFiles.ReadPrivateKey(File.ReadAllText(keyPath), null, keyPath);
        X509Certificate2 combined;
        try
        {
            combined = certificate.CopyWithPrivateKey(key);
        }
        catch (ArgumentException ex)
        {
            throw new TrustException($"{keyPath} is not the key of the certificate in {certPath}", ex);
        }
        using (combined) return new DocumentSigner(combined);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>
/// Checks a document's signature against the fleet's trust bundle: the signer certificate it carries must chain to a
/// root of the bundle, be valid now (the injected clock), be the fleet's signer (<c>/cloud/signer</c>, EKU codeSigning),
/// not be revoked (serial, identity or its CA), and its key must verify the signature over exactly the canonical content.
/// Each check reads the current <see cref="PeerValidator"/>, so a renewed bundle or deny-list applies to the next document.
/// </summary>
public sealed class DocumentVerifier(Func<PeerValidator> validator) : IDocumentVerifier
{
    /// <summary>Largest signer certificate read; anything bigger is refused before parsing.</summary>
    public const int MaxCertificateBytes = 16 * 1024;

    /// <summary>A verifier over a fixed trust bundle and deny-list.</summary>
    public DocumentVerifier(string trustDomain, X509Certificate2Collection trustBundle, RevocationList? revocations = null, TimeProvider? time = null)
        : this(Fixed(new PeerValidator(trustDomain, trustBundle, revocations, time)))
    {
    }

    /// <inheritdoc />
    public SignatureCheck Verify(ReadOnlySpan<byte> content, DocumentSignature? signature)
    {
        if (signature is null || signature.Value is not { Length: > 0 })
            return SignatureCheck.Refuse(SignatureRejection.NotSigned, "the document carries no signature");
        if (signature.SignerCertificate is not { Length: > 0 and <= MaxCertificateBytes } der)
            return SignatureCheck.Refuse(SignatureRejection.UntrustedSigner, $"the signer certificate is missing or longer than {MaxCertificateBytes} bytes");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException ex)
        {
            return SignatureCheck.Refuse(SignatureRejection.UntrustedSigner, $"the signer certificate cannot be read: {ex.Message}");
        }
        using (certificate)
        {
            PeerValidation validation;
            try
            {
                validation = validator().Validate(certificate, null, PeerRole.DocumentSigner);
            }
            catch (CryptographicException ex)
            {
                // A certificate that parses but whose fields do not (e.g. a validity date), as a changed byte can make.
                return SignatureCheck.Refuse(SignatureRejection.UntrustedSigner, $"the signer certificate cannot be read: {ex.Message}");
            }
            if (!validation.IsAuthenticated) return SignatureCheck.Refuse(RejectionOf(validation.Refusal), $"signer refused: {validation.Problem}");
            using var key = certificate.GetECDsaPublicKey();
            if (key is null || key.KeySize != 256)
                return SignatureCheck.Refuse(SignatureRejection.NotASigner, "the signer certificate's key is not ECDSA P-256");
            var valid = signature.Value.Length == 64
                && key.VerifyData(content, signature.Value, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return valid
                ? SignatureCheck.Valid
                : SignatureCheck.Refuse(SignatureRejection.Tampered, $"the signature of {validation.Identity} does not match the document's content");
        }
    }

    private static SignatureRejection RejectionOf(PeerRefusal refusal) => refusal switch
    {
        PeerRefusal.Expired or PeerRefusal.NotYetValid => SignatureRejection.SignerExpired,
        PeerRefusal.Revoked => SignatureRejection.SignerRevoked,
        PeerRefusal.UntrustedIssuer or PeerRefusal.InvalidChain or PeerRefusal.NoCertificate => SignatureRejection.UntrustedSigner,
        _ => SignatureRejection.NotASigner,
    };

    private static Func<PeerValidator> Fixed(PeerValidator validator) => () => validator;
}

/// <summary>Registers the document signer (the cloud) or verifier (regions and stores).</summary>
public static class DocumentSigningServiceCollectionExtensions
{
    /// <summary>
    /// The cloud: signs every policy and model assignment it publishes with the signer in <paramref name="signerDirectory"/>
    /// (<see cref="DocumentSigner.CertificateFile"/>, <see cref="DocumentSigner.KeyFile"/>). Loaded now: a missing or wrong
    /// signer fails here, at start-up, not at the first publication. The cloud's policy and registry grains require it.
    /// </summary>
    public static IServiceCollection AddEdgeDocumentSigning(this IServiceCollection services, string signerDirectory)
    {
        var signer = DocumentSigner.Load(signerDirectory);
        services.Replace(ServiceDescriptor.Singleton(signer));
        services.Replace(ServiceDescriptor.Singleton<IDocumentSigner>(signer));
        return services;
    }

    /// <summary>
    /// Regions and stores: verify every policy and model assignment from the parent against <paramref name="trustBundle"/>
    /// and <paramref name="revocations"/> (signers of <paramref name="trustDomain"/>), times on <paramref name="time"/>.
    /// The downlink requires it: a child without a verifier does not start.
    /// </summary>
    public static IServiceCollection AddEdgeDocumentVerification(this IServiceCollection services, X509Certificate2Collection trustBundle,
        RevocationList? revocations, string trustDomain, TimeProvider? time = null) =>
        services.AddEdgeDocumentVerification(new DocumentVerifier(trustDomain, trustBundle, revocations, time));

    /// <summary>
    /// As above, reading the current validator for each document, e.g. <c>() => certificateFileSource.Validator</c>, so a
    /// renewed trust bundle or deny-list applies without a restart.
    /// </summary>
    public static IServiceCollection AddEdgeDocumentVerification(this IServiceCollection services, Func<PeerValidator> validator) =>
        services.AddEdgeDocumentVerification(new DocumentVerifier(validator));

    private static IServiceCollection AddEdgeDocumentVerification(this IServiceCollection services, DocumentVerifier verifier)
    {
        services.Replace(ServiceDescriptor.Singleton<IDocumentVerifier>(verifier));
        return services;
    }
}
