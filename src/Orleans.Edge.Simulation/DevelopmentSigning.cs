using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Edge.Trust;

namespace Orleans.Edge.Simulation;

/// <summary>
/// Development document-signing keys for fleets run in one process (the demo, in-process tests): one development
/// root CA and its document signer (<see cref="DevelopmentCertificates.EnsureSignerAsync"/>), so the cloud signs
/// with the signer and every region and store verifies against the same root. Not for production: the keys are
/// unencrypted files.
/// </summary>
public sealed class DevelopmentSigning
{
    /// <summary>Trust domain of development fleets.</summary>
    public const string DefaultTrustDomain = "orleans-edge.dev";

    private static readonly Lazy<DevelopmentSigning> SharedSigning = new(() =>
    {
        var directory = Path.Combine(Path.GetTempPath(), $"orleans-edge-dev-signing-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return Create(directory);
    });

    private DevelopmentSigning(string trustDomain, string signerDirectory, X509Certificate2Collection trustBundle) =>
        (TrustDomain, SignerDirectory, TrustBundle) = (trustDomain, signerDirectory, trustBundle);

    /// <summary>One set for the whole process, under the temporary directory (removed at exit).</summary>
    public static DevelopmentSigning Shared => SharedSigning.Value;

    /// <summary>The trust domain.</summary>
    public string TrustDomain { get; }

    /// <summary>The signer's directory (give it to <see cref="DocumentSigningServiceCollectionExtensions.AddEdgeDocumentSigning"/>).</summary>
    public string SignerDirectory { get; }

    /// <summary>The development root: what regions and stores trust.</summary>
    public X509Certificate2Collection TrustBundle { get; }

    /// <summary>The development CA and signer under <paramref name="dataDir"/> (made on first use, reused and renewed later).</summary>
    public static DevelopmentSigning Create(string dataDir, string trustDomain = DefaultTrustDomain)
    {
        var signerDirectory = DevelopmentCertificates.EnsureSignerAsync(dataDir, trustDomain).GetAwaiter().GetResult();
        var root = Path.Combine(Path.GetFullPath(dataDir), DevelopmentCertificates.Folder, DevelopmentCertificates.CaFolder, CertificateAuthority.CertificateFile);
        return new DevelopmentSigning(trustDomain, signerDirectory, PemFiles.ReadCertificates(root));
    }

    /// <summary>Registers the signer (the cloud, <paramref name="cloud"/> true) or the verifier (a region or store).</summary>
    public void AddTo(IServiceCollection services, bool cloud)
    {
        if (cloud) services.AddEdgeDocumentSigning(SignerDirectory);
        else services.AddEdgeDocumentVerification(TrustBundle, null, TrustDomain);
    }

    /// <summary><see cref="AddTo"/> as a <c>TierSettings.ConfigureServices</c> hook.</summary>
    public Action<IServiceCollection> For(bool cloud) => services => AddTo(services, cloud);
}
