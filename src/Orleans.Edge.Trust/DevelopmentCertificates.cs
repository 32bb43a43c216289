using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>
/// Development certificates, as ASP.NET Core's dev certs: on first start a local root CA and this
/// node's certificate are made under the data directory; later starts reuse them and renew the node
/// certificate when a third of its life is left. Nodes sharing a data directory (one-process demos)
/// share one development CA, so they trust each other.
/// Layout under <c>&lt;dataDir&gt;/certs/</c>: <c>dev-ca/</c> (root), <c>dev-ca/region-&lt;r&gt;/</c>
/// (each region's intermediate, which signs its stores), and one node directory per node named by
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
        time ??= TimeProvider.System;
        var root = Path.Combine(Path.GetFullPath(dataDir), Folder);
        Directory.CreateDirectory(root);
        await InProcess.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var fileLock = await LockAsync(Path.Combine(root, ".lock"), cancellationToken).ConfigureAwait(false);
            using var ca = LoadOrCreateRoot(Path.Combine(root, CaFolder), identity.TrustDomain, time);
            using var issuer = identity.Kind == NodeKind.Store
                ? LoadOrCreateRegion(ca, Path.Combine(root, CaFolder, $"region-{identity.RegionId}"), identity.RegionId!, time)
                : null;
            var nodeDir = NodeDirectoryOf(dataDir, identity);
            if (NeedsNewCertificate(nodeDir, identity, time))
            {
                var signer = issuer ?? ca;
                using var csr = NodeKeys.CreateCsr(identity);
                using var certificate = signer.SignNodeCsr(csr.CsrPem, identity);
                NodeDirectory.Write(nodeDir, certificate, csr.Key, signer.ChainBelowRoot(), [ca.Root]);
            }
            return nodeDir;
        }
        finally
        {
            InProcess.Release();
        }
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
        var notBefore = credentials.Certificate.NotBefore.ToUniversalTime();
        var notAfter = credentials.Certificate.NotAfter.ToUniversalTime();
        var left = notAfter - time.GetUtcNow().UtcDateTime;
        return left < (notAfter - notBefore) / 3;
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
