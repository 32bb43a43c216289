using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>
/// A node's side of enrolment: it makes its own key and a CSR naming the identity it asks for;
/// the key never leaves the node. The CA signs the CSR; the node combines the certificate with its key.
/// </summary>
public static class NodeKeys
{
    /// <summary>A fresh ECDSA P-256 key and a PKCS#10 CSR requesting <paramref name="identity"/>.</summary>
    public static NodeCsr CreateCsr(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new NodeCsr(identity, key, CreateCsr(identity, key));
    }

    /// <summary>A CSR requesting <paramref name="identity"/> for an existing key.</summary>
    public static string CreateCsr(NodeIdentity identity, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var request = new CertificateRequest(CertificateAuthority.SubjectFor(identity, ca: false), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(SpiffeSan.CreateExtension(identity));
        return request.CreateSigningRequestPem();
    }

    /// <summary>
    /// The node's certificate with its private key, for TLS. Throws <see cref="TrustException"/> when
    /// the key is not the certificate's.
    /// </summary>
    public static X509Certificate2 Combine(X509Certificate2 certificate, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            return certificate.CopyWithPrivateKey(key);
        }
        catch (ArgumentException ex)
        {
            throw new TrustException("the private key does not belong to the certificate", ex);
        }
    }
}

/// <summary>A node's new key and its CSR. Dispose to drop the key from memory.</summary>
public sealed class NodeCsr(NodeIdentity identity, ECDsa key, string csrPem) : IDisposable
{
    /// <summary>The identity requested.</summary>
    public NodeIdentity Identity { get; } = identity;

    /// <summary>The node's private key.</summary>
    public ECDsa Key { get; } = key;

    /// <summary>The PKCS#10 request, PEM.</summary>
    public string CsrPem { get; } = csrPem;

    /// <inheritdoc />
    public void Dispose() => Key.Dispose();
}
