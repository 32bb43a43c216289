using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>
/// Development certificates, as ASP.NET Core's dev certs: on first start a local root CA and this
/// node's certificate are made under the data directory; later starts reuse them and renew the node
/// certificate when a third of its life is left. Nodes sharing a data directory (one-process demos)
/// share one development CA, so they trust each other.
/// Layout under <c>&lt;dataDir&gt;/certs/</c>: <c>dev-ca/</c> (root), <c>dev-ca/region-&lt;r&gt;/</c>
/// (each region's intermediate, which signs its stores), <c>dev-ca/signer/</c> (the cloud's document signer), and one node directory per node named by
/// its cluster id (<c>cloud</c>, <c>region-eu</c>, <c>store-eu-s1</c>; see <see cref="NodeDirectory"/>).
/// The development CA's keys are unencrypted (mode 0600): fine for a laptop, not for a fleet.
/// </summary>
public static class DevelopmentCertificates
{
    /// <summary>Folder under the data directory.</summary>
    public const string Folder = "certs";

    /// <summary>Folder of the development root CA under <see cref="Folder"/>.</summary>
    public const string CaFolder = "dev-ca";

    private static readonly SemaphoreSlim InProcess = new(1, 1);

    /// <summary>The node directory of <paramref name="identity"/> under <paramref name="dataDir"/>.</summary>
    public static string NodeDirectoryOf(string dataDir, NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return Path.Combine(Path.GetFullPath(dataDir), Folder, identity.ClusterId);
    }

    /// <summary>
    /// Makes sure <paramref name="identity"/> has valid development credentials under <paramref name="dataDir"/>
    /// and returns its node directory (give it to <see cref="CertificateFileSource"/>).
    /// </summary>
    public static async Task<string> EnsureAsync(string dataDir, NodeIdentity identity, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.Kind == NodeKind.Signer) throw new ArgumentException("the signer is not a node; use EnsureSignerAsync", nameof(identity));
        return await WithRootAsync(dataDir, identity.TrustDomain, time, (ca, root, clock) =>
        {
            using var issuer = identity.Kind == NodeKind.Store
                ? LoadOrCreateRegion(ca, Path.Combine(root, CaFolder, $"region-{identity.RegionId}"), identity.RegionId!, clock)
                : null;
            var nodeDir = NodeDirectoryOf(dataDir, identity);
            if (NeedsNewCertificate(nodeDir, identity, clock))
            {
                var signer = issuer ?? ca;
                using var csr = NodeKeys.CreateCsr(identity);
                using var certificate = signer.SignNodeCsr(csr.CsrPem, identity);
                NodeDirectory.Write(nodeDir, certificate, csr.Key, signer.ChainBelowRoot(), [ca.Root]);
            }
            return nodeDir;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes sure the development document signer of <paramref name="trustDomain"/> exists beside the development CA,
    /// in <c>&lt;dataDir&gt;/certs/dev-ca/signer/</c>, renewed like a node certificate (a third of its life left, or
    /// missing, broken or from another CA); returns its directory (give it to <c>AddEdgeDocumentSigning</c>).
    /// </summary>
    public static Task<string> EnsureSignerAsync(string dataDir, string trustDomain, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        WithRootAsync(dataDir, trustDomain, time, (ca, root, clock) =>
        {
            var directory = Path.Combine(root, CaFolder, SignerFolder);
            if (NeedsNewSigner(directory, ca, clock))
            {
                using var signer = ca.IssueSigner();
                DocumentSigner.Save(directory, signer);
            }
            return directory;
        }, cancellationToken);

    /// <summary>Folder of the development document signer under the development CA's folder.</summary>
    public const string SignerFolder = "signer";

    /// <summary>Runs <paramref name="action"/> holding both locks, with the development root of <paramref name="trustDomain"/> (made if missing).</summary>
    private static async Task<string> WithRootAsync(string dataDir, string trustDomain, TimeProvider? time,
        Func<CertificateAuthority, string, TimeProvider, string> action, CancellationToken cancellationToken)
    {
        time ??= TimeProvider.System;
        var root = Path.Combine(Path.GetFullPath(dataDir), Folder);
        Directory.CreateDirectory(root);
        await InProcess.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var fileLock = await LockAsync(Path.Combine(root, ".lock"), cancellationToken).ConfigureAwait(false);
            using var ca = LoadOrCreateRoot(Path.Combine(root, CaFolder), trustDomain, time);
            return action(ca, root, time);
        }
        finally
        {
            InProcess.Release();
        }
    }

    private static bool NeedsNewSigner(string directory, CertificateAuthority ca, TimeProvider time)
    {
        try
        {
            using var signer = DocumentSigner.Load(directory);
            var validation = new PeerValidator(ca.TrustDomain, [ca.Root], null, time).Validate(signer.Certificate, null, PeerRole.DocumentSigner);
            if (!validation.IsAuthenticated) return true;
            return Renewable(signer.Certificate, time);
        }
        catch (TrustException)
        {
            return true;
        }
    }

    private static bool Renewable(X509Certificate2 certificate, TimeProvider time)
    {
        var notBefore = certificate.NotBefore.ToUniversalTime();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        return notAfter - time.GetUtcNow().UtcDateTime < (notAfter - notBefore) / 3;
    }

    private static bool NeedsNewCertificate(string nodeDir, NodeIdentity identity, TimeProvider time)
    {
        NodeCredentials credentials;
        try
        {
            credentials = NodeCredentials.Load(nodeDir, time);
        }
        catch (TrustException)
        {
            return true; // missing, broken, expired, revoked or from another (older) dev CA
        }
        if (credentials.Identity != identity) return true;
        return Renewable(credentials.Certificate, time);
    }

    private static CertificateAuthority LoadOrCreateRoot(string directory, string trustDomain, TimeProvider time)
    {
        if (File.Exists(Path.Combine(directory, CertificateAuthority.CertificateFile)))
        {
            var existing = CertificateAuthority.Load(directory, null, time);
            if (existing.TrustDomain != trustDomain)
            {
                existing.Dispose();
                throw new TrustException($"the development CA in {directory} is for trust domain '{existing.TrustDomain}', not '{trustDomain}'; use one trust domain per data directory, or delete {directory} to start over");
            }
            return existing;
        }
        var created = CertificateAuthority.CreateRoot(trustDomain, time);
        created.Save(directory);
        return created;
    }

    private static CertificateAuthority LoadOrCreateRegion(CertificateAuthority root, string directory, string regionId, TimeProvider time)
    {
        if (File.Exists(Path.Combine(directory, CertificateAuthority.CertificateFile)))
        {
            var existing = CertificateAuthority.Load(directory, null, time);
            // Reuse it while it is still this root's and has a good while left; otherwise issue a new one.
            if (existing.Root.RawDataMemory.Span.SequenceEqual(root.Certificate.RawDataMemory.Span)
                && existing.Certificate.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime > CertificateAuthority.DefaultNodeValidity * 2)
                return existing;
            existing.Dispose();
        }
        var created = root.IssueRegionCa(regionId);
        created.Save(directory);
        return created;
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        // Another process (a second silo of the demo) may be creating the same CA: wait for its lock.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
