using Microsoft.Extensions.Time.Testing;

namespace Orleans.Edge.Trust.Tests;

public sealed class DevelopmentCertificatesTests : IDisposable
{
    private readonly TempDir _data = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task FirstStart_CreatesTheDevCaAndNodeCertificate_LaterStartsReuseThem()
    {
        var nodeDir = await DevelopmentCertificates.EnsureAsync(_data.Path, Fleet.StoreEu1, _time);
        var first = NodeCredentials.Load(nodeDir, _time);
        var rootPem = File.ReadAllText(Path.Combine(_data.Path, "certs", "dev-ca", CertificateAuthority.CertificateFile));
        Assert.Equal(Path.Combine(_data.Path, "certs", "store-eu-s1"), nodeDir);
        Assert.Equal(Fleet.StoreEu1, first.Identity);
        Assert.Single(first.Intermediates); // signed by the dev intermediate of region eu

        _time.Advance(TimeSpan.FromDays(5));
        var again = await DevelopmentCertificates.EnsureAsync(_data.Path, Fleet.StoreEu1, _time);
        var second = NodeCredentials.Load(again, _time);

        Assert.Equal(nodeDir, again);
        Assert.Equal(first.Certificate.SerialNumber, second.Certificate.SerialNumber);
        Assert.Equal(rootPem, File.ReadAllText(Path.Combine(_data.Path, "certs", "dev-ca", CertificateAuthority.CertificateFile)));
    }

    [Fact]
    public async Task NodeCertificate_IsRenewed_WhenNearExpiry_UnderTheSameDevCa()
    {
        var nodeDir = await DevelopmentCertificates.EnsureAsync(_data.Path, Fleet.RegionEu, _time);
        var first = NodeCredentials.Load(nodeDir, _time);

        _time.Advance(TimeSpan.FromDays(25));
        await DevelopmentCertificates.EnsureAsync(_data.Path, Fleet.RegionEu, _time);
        var renewed = NodeCredentials.Load(nodeDir, _time);

        Assert.NotEqual(first.Certificate.SerialNumber, renewed.Certificate.SerialNumber);
        Assert.True(renewed.Certificate.NotAfter > first.Certificate.NotAfter);
        Assert.Equal(first.Roots[0].Thumbprint, renewed.Roots[0].Thumbprint);
    }

    [Fact]
    public async Task NodesSharingADataDirectory_ShareOneDevCa_AndAuthenticateEachOther()
    {
        var identities = new[] { Fleet.Cloud, Fleet.RegionEu, Fleet.StoreEu1, NodeIdentity.Store(Fleet.Domain, "eu", "eu-s2"), Fleet.StoreUs1 };
        var dirs = await Task.WhenAll(identities.Select(id => DevelopmentCertificates.EnsureAsync(_data.Path, id, _time)));
        var nodes = dirs.Select(d => NodeCredentials.Load(d, _time)).ToArray();

        Assert.Single(nodes.Select(n => n.Roots[0].Thumbprint).Distinct());
        var region = nodes[1];
        var store = nodes[2];
        var regionSees = region.CreateValidator(_time).Validate(store.Certificate, store.Intermediates, PeerRole.Client);
        var storeSees = store.CreateValidator(_time).Validate(region.Certificate, region.Intermediates, PeerRole.Server);
        Assert.Equal(Fleet.StoreEu1, regionSees.Identity);
        Assert.Equal(Fleet.RegionEu, storeSees.Identity);
        Assert.True(ParentAuthorizer.MayConnect(region.Identity, regionSees.Identity!));
        Assert.False(ParentAuthorizer.MayConnect(region.Identity, region.CreateValidator(_time).Validate(nodes[4].Certificate, nodes[4].Intermediates).Identity!));
    }

    [Fact]
    public async Task DevCaOfAnotherTrustDomain_IsNotReused()
    {
        await DevelopmentCertificates.EnsureAsync(_data.Path, Fleet.Cloud, _time);
        var ex = await Assert.ThrowsAsync<TrustException>(() => DevelopmentCertificates.EnsureAsync(_data.Path, NodeIdentity.Cloud("other.test"), _time));
        Assert.Contains("is for trust domain 'fleet.test'", ex.Message, StringComparison.Ordinal);
    }
}
