using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Orleans.Edge.Trust.Tests;

public sealed class AuthorityAndValidatorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly Fleet _fleet;

    public AuthorityAndValidatorTests() => _fleet = new Fleet(_time);

    public void Dispose() => _fleet.Dispose();

    public static TheoryData<string> Identities => new() { "spiffe://fleet.test/cloud", "spiffe://fleet.test/region/eu", "spiffe://fleet.test/region/eu/store/eu-s1" };

    [Theory]
    [MemberData(nameof(Identities))]
    public void IssuedIdentity_IsAuthenticated_AsClientAndServer(string id)
    {
        var identity = NodeIdentity.Parse(id);
        var node = _fleet.Issue(identity);
        var validator = _fleet.Validator();

        var asClient = validator.Validate(node.Certificate, node.Chain, PeerRole.Client);
        var asServer = validator.Validate(node.Certificate, node.Chain, PeerRole.Server);

        Assert.True(asClient.IsAuthenticated, asClient.ToString());
        Assert.Equal(identity, asClient.Identity);
        Assert.True(asServer.IsAuthenticated, asServer.ToString());
        Assert.True(node.Certificate.HasPrivateKey);
        Assert.Equal(identity.Kind == NodeKind.Store ? 1 : 0, node.Chain.Count);
    }

    [Fact]
    public void NodeCertificate_IsShortLived_WithARandomSerial_AndOnlyTheIssuedSan()
    {
        var first = _fleet.Issue(Fleet.StoreEu1).Certificate;
        var second = _fleet.Issue(Fleet.StoreEu1).Certificate;

        Assert.Equal(TimeSpan.FromDays(30), first.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime);
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.Equal(32, first.SerialNumber.Length);
        var ekus = first.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Equal([Ekus.ServerAuth, Ekus.ClientAuth], ekus);
        Assert.False(first.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(Fleet.StoreEu1, SpiffeSan.Read(first).Identity);
    }

    [Fact]
    public void NoCertificate_IsRefused()
    {
        var result = _fleet.Validator().Validate((X509Certificate2?)null);
        Assert.Equal(PeerRefusal.NoCertificate, result.Refusal);
    }

    [Fact]
    public void CertificateOfAnotherCa_IsRefused_EvenWithTheSameTrustDomainAndIds()
    {
        using var other = new Fleet(_time);
        var intruder = other.Issue(Fleet.StoreEu1);

        var result = _fleet.Validator().Validate(intruder.Certificate, intruder.Chain);

        Assert.Equal(PeerRefusal.UntrustedIssuer, result.Refusal);
        Assert.Null(result.Identity);
    }

    [Fact]
    public void StoreCertificate_WithoutItsIntermediate_IsRefused()
    {
        var store = _fleet.Issue(Fleet.StoreEu1);
        Assert.Equal(PeerRefusal.UntrustedIssuer, _fleet.Validator().Validate(store.Certificate, []).Refusal);
    }

    [Fact]
    public void ExpiredCertificate_IsRefused_ByTheInjectedClock()
    {
        var store = _fleet.Issue(Fleet.StoreEu1, TimeSpan.FromDays(1));
        var validator = _fleet.Validator();
        Assert.True(validator.Validate(store.Certificate, store.Chain).IsAuthenticated);

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        var result = validator.Validate(store.Certificate, store.Chain);
        Assert.Equal(PeerRefusal.Expired, result.Refusal);
        Assert.Contains("expired", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateNotYetValid_IsRefused()
    {
        var store = _fleet.Issue(Fleet.StoreEu1);
        var earlier = new FakeTimeProvider(_time.GetUtcNow().AddHours(-1)); // a peer whose clock is an hour behind

        var validator = new PeerValidator(Fleet.Domain, [_fleet.Root.Root], null, earlier);

        Assert.Equal(PeerRefusal.NotYetValid, validator.Validate(store.Certificate, store.Chain).Refusal);
    }

    [Fact]
    public void RevokedSerial_IsRefused()
    {
        var store = _fleet.Issue(Fleet.StoreEu1);
        var sibling = _fleet.Issue(NodeIdentity.Store(Fleet.Domain, "eu", "eu-s2"));
        var validator = _fleet.Validator(RevocationList.Parse($"# compromised\n{store.Certificate.SerialNumber.ToLowerInvariant()}\n"));

        Assert.Equal(PeerRefusal.Revoked, validator.Validate(store.Certificate, store.Chain).Refusal);
        Assert.True(validator.Validate(sibling.Certificate, sibling.Chain).IsAuthenticated);
    }

    [Fact]
    public void RevokedIntermediateSerial_RefusesEveryStoreItIssued()
    {
        var store = _fleet.Issue(Fleet.StoreEu1);
        var other = _fleet.Issue(Fleet.StoreUs1);
        var validator = _fleet.Validator(RevocationList.Create([_fleet.Eu.Certificate.SerialNumber]));

        var result = validator.Validate(store.Certificate, store.Chain);
        Assert.Equal(PeerRefusal.Revoked, result.Refusal);
        Assert.Contains("CA", result.Problem, StringComparison.Ordinal);
        Assert.True(validator.Validate(other.Certificate, other.Chain).IsAuthenticated);
    }

    [Fact]
    public void RevokedSpiffeId_IsRefused_WhateverItsSerial()
    {
        var validator = _fleet.Validator(RevocationList.Parse("spiffe://fleet.test/region/eu/store/eu-s1\n"));
        var renewed = _fleet.Issue(Fleet.StoreEu1);

        var result = validator.Validate(renewed.Certificate, renewed.Chain);

        Assert.Equal(PeerRefusal.Revoked, result.Refusal);
        Assert.Contains("eu-s1 is revoked", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionIntermediate_SigningAStoreOfAnotherRegion_IsRefusedByTheCa_AndByTheValidator()
    {
        using var csr = NodeKeys.CreateCsr(Fleet.StoreUs1);
        var refusal = Assert.Throws<TrustException>(() => _fleet.Eu.SignNodeCsr(csr.CsrPem, Fleet.StoreUs1));
        Assert.Contains("may not sign", refusal.Message, StringComparison.Ordinal);

        // A region CA that misbehaves anyway (its key used by hand) still gets nowhere.
        var forged = _fleet.Craft(_fleet.Eu, [Fleet.StoreUs1.ToString()], [Ekus.ClientAuth, Ekus.ServerAuth]);
        var result = _fleet.Validator().Validate(forged.Certificate, forged.Chain);

        Assert.Equal(PeerRefusal.IssuerNotAllowed, result.Refusal);
        Assert.Contains("issued by the intermediate of region 'eu'", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionIntermediate_SigningARegionOrTheCloud_IsRefused()
    {
        foreach (var identity in new[] { Fleet.RegionEu, Fleet.Cloud })
        {
            using var csr = NodeKeys.CreateCsr(identity);
            Assert.Throws<TrustException>(() => _fleet.Eu.SignNodeCsr(csr.CsrPem, identity));
            var forged = _fleet.Craft(_fleet.Eu, [identity.ToString()], [Ekus.ClientAuth]);
            Assert.Equal(PeerRefusal.IssuerNotAllowed, _fleet.Validator().Validate(forged.Certificate, forged.Chain).Refusal);
        }
    }

    [Fact]
    public void CsrAskingForAnotherIdentity_IsRefusedByTheCa()
    {
        using var csr = NodeKeys.CreateCsr(NodeIdentity.Store(Fleet.Domain, "eu", "eu-s2"));

        var ex = Assert.Throws<TrustException>(() => _fleet.Eu.SignNodeCsr(csr.CsrPem, Fleet.StoreEu1));

        Assert.Contains("requests spiffe://fleet.test/region/eu/store/eu-s2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsrWithoutSpiffeId_OrWithATamperedSignature_IsRefused()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var bare = new CertificateRequest("CN=eu-s1", key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSigningRequestPem();
        Assert.Contains("no usable SPIFFE ID", Assert.Throws<TrustException>(() => _fleet.Eu.SignNodeCsr(bare, Fleet.StoreEu1)).Message, StringComparison.Ordinal);

        using var csr = NodeKeys.CreateCsr(Fleet.StoreEu1);
        var der = new CertificateRequest(CertificateAuthority.SubjectFor(Fleet.StoreEu1, false), csr.Key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSigningRequest();
        der[^1] ^= 0x01; // flip a bit of the signature
        var tampered = new string(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE REQUEST", der));
        Assert.Throws<TrustException>(() => _fleet.Eu.SignNodeCsr(tampered, Fleet.StoreEu1));
    }

    [Fact]
    public void CertificateWithoutClientAuth_IsRefusedAsAClient_ButNotAsAServer()
    {
        var serverOnly = _fleet.Craft(_fleet.Eu, [Fleet.StoreEu1.ToString()], [Ekus.ServerAuth]);
        var validator = _fleet.Validator();

        var result = validator.Validate(serverOnly.Certificate, serverOnly.Chain, PeerRole.Client);

        Assert.Equal(PeerRefusal.WrongKeyUsage, result.Refusal);
        Assert.Contains("clientAuth", result.Problem, StringComparison.Ordinal);
        Assert.True(validator.Validate(serverOnly.Certificate, serverOnly.Chain, PeerRole.Server).IsAuthenticated);
    }

    [Fact]
    public void CertificateWithoutSpiffeId_OrWithTwo_IsRefused()
    {
        var validator = _fleet.Validator();
        var none = _fleet.Craft(_fleet.Eu, [], [Ekus.ClientAuth]);
        var httpsOnly = _fleet.Craft(_fleet.Eu, ["https://eu-s1.fleet.test/"], [Ekus.ClientAuth]);
        var two = _fleet.Craft(_fleet.Eu, [Fleet.StoreEu1.ToString(), "spiffe://fleet.test/region/eu/store/eu-s2"], [Ekus.ClientAuth]);
        var invalid = _fleet.Craft(_fleet.Eu, ["spiffe://fleet.test/region/eu/store/EU-S1"], [Ekus.ClientAuth]);

        Assert.Equal(PeerRefusal.NoSpiffeId, validator.Validate(none.Certificate, none.Chain).Refusal);
        Assert.Equal(PeerRefusal.NoSpiffeId, validator.Validate(httpsOnly.Certificate, httpsOnly.Chain).Refusal);
        Assert.Equal(PeerRefusal.MultipleSpiffeIds, validator.Validate(two.Certificate, two.Chain).Refusal);
        Assert.Equal(PeerRefusal.InvalidSpiffeId, validator.Validate(invalid.Certificate, invalid.Chain).Refusal);
    }

    [Fact]
    public void SpiffeIdOfAnotherTrustDomain_IsRefused()
    {
        var foreign = _fleet.Craft(_fleet.Root, ["spiffe://other.test/cloud"], [Ekus.ClientAuth]);
        Assert.Equal(PeerRefusal.WrongTrustDomain, _fleet.Validator().Validate(foreign.Certificate, foreign.Chain).Refusal);
    }

    [Fact]
    public void CaCertificatePresentedAsAPeer_IsRefused()
    {
        var result = _fleet.Validator().Validate(_fleet.Eu.Certificate, []);
        Assert.Equal(PeerRefusal.NotALeaf, result.Refusal);
    }

    [Theory]
    [InlineData("spiffe://fleet.test/cloud", "spiffe://fleet.test/region/eu", true)]
    [InlineData("spiffe://fleet.test/region/eu", "spiffe://fleet.test/region/eu/store/eu-s1", true)]
    [InlineData("spiffe://fleet.test/region/us", "spiffe://fleet.test/region/eu/store/eu-s1", false)]
    [InlineData("spiffe://fleet.test/cloud", "spiffe://fleet.test/region/eu/store/eu-s1", false)]
    [InlineData("spiffe://fleet.test/region/eu", "spiffe://fleet.test/region/us", false)]
    [InlineData("spiffe://fleet.test/region/eu", "spiffe://fleet.test/cloud", false)]
    [InlineData("spiffe://fleet.test/region/eu/store/eu-s1", "spiffe://fleet.test/region/eu/store/eu-s2", false)]
    [InlineData("spiffe://fleet.test/cloud", "spiffe://fleet.test/cloud", false)]
    [InlineData("spiffe://fleet.test/cloud", "spiffe://other.test/region/eu", false)]
    public void ParentAuthorizer_LetsOnlyAStoreToItsRegion_AndARegionToTheCloud(string parent, string child, bool allowed)
    {
        var problem = ParentAuthorizer.Problem(NodeIdentity.Parse(parent), NodeIdentity.Parse(child));
        Assert.Equal(allowed, problem is null);
        Assert.Equal(allowed, ParentAuthorizer.MayConnect(NodeIdentity.Parse(parent), NodeIdentity.Parse(child)));
    }

    [Fact]
    public void ParentOf_NamesTheOneParent()
    {
        Assert.Equal(Fleet.RegionEu, ParentAuthorizer.ParentOf(Fleet.StoreEu1));
        Assert.Equal(Fleet.Cloud, ParentAuthorizer.ParentOf(Fleet.RegionEu));
        Assert.Null(ParentAuthorizer.ParentOf(Fleet.Cloud));
    }

    [Fact]
    public void CaSavedWithAPassword_IsEncrypted_OwnerOnly_AndLoadsOnlyWithIt()
    {
        using var dir = new TempDir();
        _fleet.Eu.Save(dir.Path, "correct horse");

        var keyPath = Path.Combine(dir.Path, CertificateAuthority.KeyFile);
        Assert.Contains("ENCRYPTED PRIVATE KEY", File.ReadAllText(keyPath), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Throws<TrustException>(() => CertificateAuthority.Load(dir.Path));
        Assert.Throws<TrustException>(() => CertificateAuthority.Load(dir.Path, "wrong"));

        using var loaded = CertificateAuthority.Load(dir.Path, "correct horse", _time);
        Assert.Equal(Fleet.RegionEu, loaded.Region);
        using var csr = NodeKeys.CreateCsr(Fleet.StoreEu1);
        using var cert = loaded.SignNodeCsr(csr.CsrPem, Fleet.StoreEu1);
        Assert.True(_fleet.Validator().Validate(NodeKeys.Combine(cert, csr.Key), loaded.ChainBelowRoot()).IsAuthenticated);
    }
}
