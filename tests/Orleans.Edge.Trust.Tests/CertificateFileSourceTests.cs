using System.Security.Cryptography.X509Certificates;
using Orleans.Edge.Tests;

namespace Orleans.Edge.Trust.Tests;

public sealed class CertificateFileSourceTests : IDisposable
{
    private readonly Fleet _fleet = new(TimeProvider.System);
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        _fleet.Dispose();
        _dir.Dispose();
    }

    private Node WriteNode(NodeIdentity identity)
    {
        var ca = _fleet.IssuerOf(identity);
        using var csr = NodeKeys.CreateCsr(identity);
        using var certificate = ca.SignNodeCsr(csr.CsrPem, identity);
        NodeDirectory.Write(_dir.Path, certificate, csr.Key, ca.ChainBelowRoot(), [_fleet.Root.Root]);
        return new Node(identity, NodeKeys.Combine(certificate, csr.Key), ca.ChainBelowRoot());
    }

    [Fact]
    public async Task RotatedCertificate_IsServed_WithinSeconds_WithoutRestart()
    {
        var first = WriteNode(Fleet.StoreEu1);
        using var source = new CertificateFileSource(_dir.Path, expected: Fleet.StoreEu1, pollInterval: TimeSpan.FromSeconds(1));
        Assert.Equal(first.Certificate.SerialNumber, source.Certificate.SerialNumber);
        Assert.Equal(Fleet.StoreEu1, source.Current.Identity);
        Assert.Single(source.Current.Intermediates);
        var changes = 0;
        source.Changed += _ => Interlocked.Increment(ref changes);

        var second = WriteNode(Fleet.StoreEu1);

        await Eventually.Get(() => Task.FromResult(source.Certificate.SerialNumber), serial => serial == second.Certificate.SerialNumber,
            "the rotated certificate to be served", TimeSpan.FromSeconds(5));
        Assert.True(source.Certificate.HasPrivateKey);
        // Subscribers hear of it just after the new one is served.
        await Eventually.Get(() => Task.FromResult(Volatile.Read(ref changes)), n => n >= 1, "the change announced", TimeSpan.FromSeconds(5));
        Assert.True(_fleet.Validator().Validate(source.Certificate, source.Current.Intermediates).IsAuthenticated);
    }

    [Fact]
    public async Task NewDenyList_IsApplied_WithinSeconds()
    {
        WriteNode(Fleet.RegionEu);
        using var source = new CertificateFileSource(_dir.Path, pollInterval: TimeSpan.FromSeconds(1));
        var store = _fleet.Issue(Fleet.StoreEu1);
        Assert.True(source.Current.CreateValidator().Validate(store.Certificate, store.Chain).IsAuthenticated);

        PemFiles.WritePublic(Path.Combine(_dir.Path, NodeDirectory.RevocationsFile), $"{Fleet.StoreEu1}\n");

        await Eventually.Get(() => Task.FromResult(source.Validator.Validate(store.Certificate, store.Chain).Refusal),
            refusal => refusal == PeerRefusal.Revoked, "the deny-list to be applied", TimeSpan.FromSeconds(5));
        Assert.Same(source.Validator, source.Validator);
    }

    [Fact]
    public void HalfWrittenOrMismatchedFiles_NeverReplaceTheLastGoodCertificate()
    {
        var good = WriteNode(Fleet.StoreEu1);
        using var source = new CertificateFileSource(_dir.Path, pollInterval: TimeSpan.FromHours(1));
        var certPath = Path.Combine(_dir.Path, NodeDirectory.CertificateFile);
        var keyPath = Path.Combine(_dir.Path, NodeDirectory.KeyFile);
        var goodPem = File.ReadAllText(certPath);
        var goodKey = File.ReadAllText(keyPath);

        // Cut inside the intermediate: the leaf alone would still parse.
        File.WriteAllText(certPath, goodPem[..(goodPem.Length - 100)]);
        Assert.False(source.Reload());
        Assert.Equal(good.Certificate.SerialNumber, source.Certificate.SerialNumber);

        // A new certificate whose key has not been written yet.
        var next = _fleet.Issue(Fleet.StoreEu1);
        File.WriteAllText(certPath, PemFiles.Certificates([next.Certificate, .. next.Chain]));
        Assert.False(source.Reload());
        Assert.Equal(good.Certificate.SerialNumber, source.Certificate.SerialNumber);

        // A half-written key.
        File.WriteAllText(keyPath, goodKey[..(goodKey.Length / 2)]);
        Assert.False(source.Reload());

        File.WriteAllText(keyPath, goodKey);
        File.WriteAllText(certPath, goodPem);
        Assert.False(source.Reload()); // back to what it serves: nothing new

        // Whole files again: the new pair is taken.
        File.WriteAllText(keyPath, next.Certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, PemFiles.Certificates([next.Certificate, .. next.Chain]));
        Assert.True(source.Reload());
        Assert.Equal(next.Certificate.SerialNumber, source.Certificate.SerialNumber);
    }

    [Fact]
    public void CertificateOfAnotherIdentity_IsNotServed_WhenTheIdentityIsPinned()
    {
        var good = WriteNode(Fleet.StoreEu1);
        using var source = new CertificateFileSource(_dir.Path, expected: Fleet.StoreEu1, pollInterval: TimeSpan.FromHours(1));

        WriteNode(NodeIdentity.Store(Fleet.Domain, "eu", "eu-s2"));

        Assert.False(source.Reload());
        Assert.Equal(good.Certificate.SerialNumber, source.Certificate.SerialNumber);
    }

    [Fact]
    public void MissingOrForeignCredentials_FailAtStart_WithTheReason()
    {
        var missing = Assert.Throws<TrustException>(() => new CertificateFileSource(_dir.Path));
        Assert.Contains(NodeDirectory.CertificateFile, missing.Message, StringComparison.Ordinal);

        WriteNode(Fleet.StoreEu1);
        using var other = new Fleet(TimeProvider.System);
        PemFiles.WritePublic(Path.Combine(_dir.Path, NodeDirectory.TrustBundleFile), PemFiles.Certificates([other.Root.Root]));
        var foreign = Assert.Throws<TrustException>(() => new CertificateFileSource(_dir.Path));
        Assert.Contains("would be refused", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeKey_IsWrittenOwnerOnly()
    {
        WriteNode(Fleet.StoreEu1);
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir.Path, NodeDirectory.KeyFile)));
    }
}
