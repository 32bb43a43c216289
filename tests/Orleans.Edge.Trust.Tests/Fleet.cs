using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Orleans.Edge.Trust.Tests;

/// <summary>A test fleet: a root CA, the intermediates of regions eu and us, and helpers to issue real and deliberately bad certificates.</summary>
internal sealed class Fleet : IDisposable
{
    public const string Domain = "fleet.test";

    public Fleet(TimeProvider time, string domain = Domain)
    {
        Time = time;
        Root = CertificateAuthority.CreateRoot(domain, time);
        Eu = Root.IssueRegionCa("eu");
        Us = Root.IssueRegionCa("us");
    }

    public TimeProvider Time { get; }
    public CertificateAuthority Root { get; }
    public CertificateAuthority Eu { get; }
    public CertificateAuthority Us { get; }

    public static NodeIdentity Cloud => NodeIdentity.Cloud(Domain);
    public static NodeIdentity RegionEu => NodeIdentity.Region(Domain, "eu");
    public static NodeIdentity StoreEu1 => NodeIdentity.Store(Domain, "eu", "eu-s1");
    public static NodeIdentity StoreUs1 => NodeIdentity.Store(Domain, "us", "us-s1");

    public CertificateAuthority IssuerOf(NodeIdentity identity) =>
        identity.Kind != NodeKind.Store ? Root : identity.RegionId == "eu" ? Eu : Us;

    /// <summary>Issues <paramref name="identity"/> the proper way: node key + CSR, CA signs, node combines.</summary>
    public Node Issue(NodeIdentity identity, TimeSpan? validity = null)
    {
        var ca = IssuerOf(identity);
        using var csr = NodeKeys.CreateCsr(identity);
        using var signed = ca.SignNodeCsr(csr.CsrPem, identity, validity);
        return new Node(identity, NodeKeys.Combine(signed, csr.Key), ca.ChainBelowRoot());
    }

    /// <summary>Issues <paramref name="identity"/> and writes it as a node's credentials directory (trusting this fleet's root) at <paramref name="directory"/>.</summary>
    public Node WriteNode(string directory, NodeIdentity identity)
    {
        var node = Issue(identity);
        using var key = node.Certificate.GetECDsaPrivateKey()!;
        NodeDirectory.Write(directory, node.Certificate, key, node.Chain, [Root.Root]);
        return node;
    }

    public PeerValidator Validator(RevocationList? revocations = null) => new(Domain, [Root.Root], revocations, Time);

    /// <summary>A certificate made by hand with <paramref name="issuer"/>'s key, for what a well-behaved CA refuses to make.</summary>
    public Node Craft(CertificateAuthority issuer, string[] sanUris, string[] ekus)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=crafted", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (ekus.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var eku in ekus) oids.Add(new Oid(eku));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        if (sanUris.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var uri in sanUris) san.AddUri(new Uri(uri));
            request.CertificateExtensions.Add(san.Build());
        }
        var now = Time.GetUtcNow();
        using var cert = request.Create(issuer.Certificate, now.AddMinutes(-1), now.AddDays(10), CertificateAuthority.NewSerial());
        return new Node(null, cert.CopyWithPrivateKey(key), issuer.ChainBelowRoot());
    }

    public void Dispose()
    {
        Root.Dispose();
        Eu.Dispose();
        Us.Dispose();
    }
}

internal sealed record Node(NodeIdentity? Identity, X509Certificate2 Certificate, X509Certificate2Collection Chain);

internal static class Ekus
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
}

/// <summary>A temporary directory removed at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("orleans-edge-trust-").FullName;
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A logger that keeps what it is given, to count what was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
    }
}
