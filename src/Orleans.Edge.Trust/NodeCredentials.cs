using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>
/// The files of one node's identity in its directory: <c>node.crt.pem</c> (its certificate, then the
/// intermediates below the root), <c>node.key.pem</c> (its private key, 0600), <c>trust-bundle.pem</c>
/// (the root CA certificates it trusts) and optionally <c>revocations.txt</c> (the deny-list).
/// </summary>
public static class NodeDirectory
{
    /// <summary>The node's certificate followed by its intermediates.</summary>
    public const string CertificateFile = "node.crt.pem";
    /// <summary>The node's private key (PKCS#8 PEM, mode 0600).</summary>
    public const string KeyFile = "node.key.pem";
    /// <summary>The node's pending CSR.</summary>
    public const string CsrFile = "node.csr.pem";
    /// <summary>The root CA certificates the node trusts.</summary>
    public const string TrustBundleFile = "trust-bundle.pem";
    /// <summary>The deny-list (see <see cref="RevocationList"/>); optional.</summary>
    public const string RevocationsFile = "revocations.txt";

    /// <summary>Writes a node's credentials: key first, then certificate, then the bundle; each file atomically.</summary>
    public static void Write(string directory, X509Certificate2 certificate, ECDsa key, IEnumerable<X509Certificate2> intermediates, IEnumerable<X509Certificate2> roots)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        PemFiles.WriteSecret(Path.Combine(directory, KeyFile), PemFiles.PrivateKey(key, null));
        PemFiles.WritePublic(Path.Combine(directory, CertificateFile), PemFiles.Certificates([certificate, .. intermediates]));
        PemFiles.WritePublic(Path.Combine(directory, TrustBundleFile), PemFiles.Certificates(roots));
    }
}

/// <summary>A node's loaded identity: certificate with key, the intermediates it presents, and what it trusts.</summary>
public sealed class NodeCredentials
{
    private SslStreamCertificateContext? _context;

    private NodeCredentials(NodeIdentity identity, X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection roots, RevocationList revocations)
    {
        Identity = identity;
        Certificate = certificate;
        Intermediates = intermediates;
        Roots = roots;
        Revocations = revocations;
    }

    /// <summary>Who this node is, as its certificate says.</summary>
    public NodeIdentity Identity { get; }

    /// <summary>The node's certificate with its private key (Kestrel's server certificate, the client certificate).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The intermediates the node presents with its certificate (a store's region CA), nearest first.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>The root CA certificates this node trusts.</summary>
    public X509Certificate2Collection Roots { get; }

    /// <summary>The deny-list in force.</summary>
    public RevocationList Revocations { get; }

    /// <summary>
    /// The certificate with its intermediates, for TLS stacks that send a chain:
    /// <c>SslServerAuthenticationOptions.ServerCertificateContext</c>, <c>SslClientAuthenticationOptions.ClientCertificateContext</c>
    /// (and so <c>SocketsHttpHandler.SslOptions</c>).
    /// </summary>
    public SslStreamCertificateContext CertificateContext =>
        _context ??= SslStreamCertificateContext.Create(Certificate, Intermediates, offline: true);

    /// <summary>A validator for peers under this node's trust bundle and deny-list.</summary>
    public PeerValidator CreateValidator(TimeProvider? time = null) => new(Identity.TrustDomain, Roots, Revocations, time);

    /// <summary>Loads and checks a node directory; throws <see cref="TrustException"/> saying what is wrong.</summary>
    public static NodeCredentials Load(string directory, TimeProvider? time = null) =>
        Load(Read(directory), directory, time);

    internal static NodeCredentials Load(NodeFiles files, string directory, TimeProvider? time)
    {
        var certPath = Path.Combine(directory, NodeDirectory.CertificateFile);
        var keyPath = Path.Combine(directory, NodeDirectory.KeyFile);
        var bundlePath = Path.Combine(directory, NodeDirectory.TrustBundleFile);
        var chain = ParseCertificates(files.Certificate, certPath);
        var roots = ParseCertificates(files.TrustBundle, bundlePath);
        if (files.Key is null) throw new TrustException($"{keyPath} does not exist");
        if (!files.Key.TrimEnd().EndsWith("-----END PRIVATE KEY-----", StringComparison.Ordinal))
            throw new TrustException($"{keyPath} is incomplete or not an unencrypted PKCS#8 PEM key");
        using var key = PemFiles.ReadPrivateKey(files.Key, null, keyPath);
        var certificate = NodeKeys.Combine(chain[0], key);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++) intermediates.Add(chain[i]);
        RevocationList revocations;
        try
        {
            revocations = files.Revocations is null ? RevocationList.Empty : RevocationList.Parse(files.Revocations);
        }
        catch (FormatException ex)
        {
            throw new TrustException($"{Path.Combine(directory, NodeDirectory.RevocationsFile)}: {ex.Message}", ex);
        }
        var reading = SpiffeSan.Read(certificate);
        if (reading.Identity is not { } identity) throw new TrustException($"{certPath}: {reading.Problem}");
        // The node checks itself as a peer would (chain to its bundle, validity, SPIFFE ID, EKU): a
        // certificate its parent would refuse is not worth serving. The deny-list is left out here, so
        // a new deny-list is applied even when it names this node itself.
        var self = new PeerValidator(identity.TrustDomain, roots, RevocationList.Empty, time).Validate(certificate, intermediates, PeerRole.Client);
        if (!self.IsAuthenticated) throw new TrustException($"{certPath}: this node's own certificate would be refused: {self.Problem}");
        return new NodeCredentials(identity, certificate, intermediates, roots, revocations);
    }

    internal static NodeFiles Read(string directory)
    {
        static string? Text(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
        return new NodeFiles(
            Text(Path.Combine(directory, NodeDirectory.CertificateFile)),
            Text(Path.Combine(directory, NodeDirectory.KeyFile)),
            Text(Path.Combine(directory, NodeDirectory.TrustBundleFile)),
            Text(Path.Combine(directory, NodeDirectory.RevocationsFile)));
    }

    private static X509Certificate2Collection ParseCertificates(string? pem, string path)
    {
        if (pem is null) throw new TrustException($"{path} does not exist");
        // A file caught half-written may still parse as fewer certificates: insist on whole blocks.
        var begins = CountOf(pem, "-----BEGIN CERTIFICATE-----");
        var ends = CountOf(pem, "-----END CERTIFICATE-----");
        if (begins == 0 || begins != ends || !pem.TrimEnd().EndsWith("-----END CERTIFICATE-----", StringComparison.Ordinal))
            throw new TrustException($"{path} is incomplete or holds no certificate");
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new TrustException($"{path} is not a valid PEM certificate file: {ex.Message}", ex);
        }
        if (collection.Count != begins) throw new TrustException($"{path} holds {begins} certificate blocks but only {collection.Count} could be read");
        return collection;
    }

    private static int CountOf(string text, string marker)
    {
        var count = 0;
        for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}

internal sealed record NodeFiles(string? Certificate, string? Key, string? TrustBundle, string? Revocations);
