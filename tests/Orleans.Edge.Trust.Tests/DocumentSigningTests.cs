using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CsCheck;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Signing;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Trust.Tests;

/// <summary>The cloud's document signer and the verifier regions and stores apply to every policy and model assignment.</summary>
public sealed class DocumentSigningTests : SignerTests
{
    internal static PolicyDocument Policy(long version = 7, PolicyScope? scope = null) => new(
        scope ?? PolicyScope.ForStore("eu", "eu-s1"), version, new ReplenishmentPolicy(3, null, 1.5, TimeSpan.FromSeconds(30), 0.2),
        new DateTimeOffset(2026, 11, 28, 11, 0, 0, TimeSpan.Zero));

    internal static ModelManifest Manifest(string variant = "fp32") => new("shelf-v2", new string('a', 64), 1234, variant,
        [-1, 3, 64, 64], [-1, 1], [-1, 8], new Dictionary<string, double> { ["accuracy"] = 0.93, ["f1"] = 0.9 });

    internal static ModelAssignment Assignment(long version = 4, PolicyScope? scope = null) => new(
        scope ?? PolicyScope.ForRegion("eu"), version, Manifest(), new DateTimeOffset(2026, 11, 28, 11, 0, 0, TimeSpan.Zero),
        [Manifest(), Manifest("int8") with { Sha256 = new string('b', 64) }]);

    [Fact]
    public void SignedPolicyAndAssignment_Verify()
    {
        var verifier = Verifier();
        var policy = Signer.Sign(Policy());
        var assignment = Signer.Sign(Assignment());

        Assert.True(verifier.Verify(SignedContent.Of(policy), policy.Signature).IsValid);
        Assert.True(verifier.Verify(SignedContent.Of(assignment), assignment.Signature).IsValid);
        Assert.True(verifier.Admit(policy, "eu", "eu-s1", resumeAfter: 6).IsValid);
        Assert.True(verifier.Admit(assignment, "eu", "eu-s1", resumeAfter: 3).IsValid);
        Assert.True(verifier.Admit(assignment, "eu", null, resumeAfter: 3).IsValid); // the region that relays it
        Assert.Equal(64, policy.Signature!.Value.Length);
    }

    [Fact]
    public void CanonicalContent_IsDeterministic_AndSeparatesKinds()
    {
        Assert.Equal(SignedContent.Of(Policy()), SignedContent.Of(Policy()));
        // Map order does not matter; sub-microsecond ticks are below the link's precision.
        var reordered = Assignment() with { Manifest = Manifest() with { Metrics = new Dictionary<string, double> { ["f1"] = 0.9, ["accuracy"] = 0.93 } } };
        Assert.Equal(SignedContent.Of(Assignment()), SignedContent.Of(reordered));
        Assert.Equal(SignedContent.Of(Policy()), SignedContent.Of(Policy() with { ChangedAt = Policy().ChangedAt.AddTicks(3) }));
        Assert.StartsWith(SignedContent.PolicyLabel, System.Text.Encoding.ASCII.GetString(SignedContent.Of(Policy())), StringComparison.Ordinal);
        Assert.StartsWith(SignedContent.ModelAssignmentLabel, System.Text.Encoding.ASCII.GetString(SignedContent.Of(Assignment())), StringComparison.Ordinal);
    }

    [Fact]
    public void UnsignedDocument_IsRejected()
    {
        var check = Verifier().Admit(Policy(), "eu", "eu-s1", 0);
        Assert.Equal(SignatureRejection.NotSigned, check.Rejection);
        Assert.Equal(SignatureRejection.NotSigned, Verifier().Verify(SignedContent.Of(Policy()), new DocumentSignature([], [])).Rejection);
    }

    public static TheoryData<string> PolicyChanges => new()
    {
        "level", "region", "store", "shelf", "version", "units", "fraction", "hysteresis", "window", "mismatch", "changed-at",
    };

    [Theory]
    [MemberData(nameof(PolicyChanges))]
    public void PolicyWithAnyFieldChanged_IsRejectedAsTampered(string field)
    {
        var signed = Signer.Sign(Policy());
        var p = signed.Policy;
        var changed = field switch
        {
            "level" => signed with { Scope = signed.Scope with { Level = ScopeLevel.Shelf, ShelfId = "a1" } },
            "region" => signed with { Scope = PolicyScope.ForStore("us", "eu-s1") },
            "store" => signed with { Scope = PolicyScope.ForStore("eu", "eu-s2") },
            "shelf" => signed with { Scope = signed.Scope with { ShelfId = "a1" } },
            "version" => signed with { Version = 8 },
            "units" => signed with { Policy = p with { LowStockThresholdUnits = 30 } },
            "fraction" => signed with { Policy = p with { LowStockThresholdUnits = null, LowStockThresholdFraction = 0.5 } },
            "hysteresis" => signed with { Policy = p with { HysteresisUnits = 1.5000000000000002 } },
            "window" => signed with { Policy = p with { SummaryWindow = p.SummaryWindow + TimeSpan.FromMilliseconds(1) } },
            "mismatch" => signed with { Policy = p with { MismatchToleranceFraction = 0.9 } },
            _ => signed with { ChangedAt = signed.ChangedAt.AddTicks(10) },
        };
        Assert.Equal(SignatureRejection.Tampered, Verifier().Verify(SignedContent.Of(changed), changed.Signature).Rejection);
    }

    public static TheoryData<string> AssignmentChanges => new()
    {
        "scope", "version", "model-version", "sha256", "size", "variant", "shape", "metric", "variant-dropped", "variant-sha256", "changed-at",
    };

    [Theory]
    [MemberData(nameof(AssignmentChanges))]
    public void AssignmentWithAnyManifestFieldChanged_IsRejectedAsTampered(string field)
    {
        var signed = Signer.Sign(Assignment());
        var m = signed.Manifest;
        var changed = field switch
        {
            "scope" => signed with { Scope = PolicyScope.Global },
            "version" => signed with { Version = 5 },
            "model-version" => signed with { Manifest = m with { Version = "shelf-v3" } },
            "sha256" => signed with { Manifest = m with { Sha256 = new string('c', 64) } },
            "size" => signed with { Manifest = m with { SizeBytes = 1235 } },
            "variant" => signed with { Manifest = m with { Variant = "int8" } },
            "shape" => signed with { Manifest = m with { InputShape = [-1, 3, 64, 65] } },
            "metric" => signed with { Manifest = m with { Metrics = new Dictionary<string, double> { ["accuracy"] = 0.99, ["f1"] = 0.9 } } },
            "variant-dropped" => signed with { Variants = [signed.Variants![0]] },
            "variant-sha256" => signed with { Variants = [signed.Variants![0], signed.Variants[1] with { Sha256 = new string('d', 64) }] },
            _ => signed with { ChangedAt = signed.ChangedAt.AddSeconds(1) },
        };
        Assert.Equal(SignatureRejection.Tampered, Verifier().Verify(SignedContent.Of(changed), changed.Signature).Rejection);
    }

    [Fact]
    public void PolicySignature_IsNotValidOnAnAssignment()
    {
        var policy = Signer.Sign(Policy());
        var assignment = Assignment() with { Signature = policy.Signature };
        Assert.Equal(SignatureRejection.Tampered, Verifier().Verify(SignedContent.Of(assignment), assignment.Signature).Rejection);
    }

    [Fact]
    public void NodeTlsCertificate_CannotSign()
    {
        var cloud = Fleet.Issue(Fleet.Cloud);
        using var key = cloud.Certificate.GetECDsaPrivateKey()!;
        var content = SignedContent.Of(Policy());
        var forged = new DocumentSignature(key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), cloud.Certificate.RawData);

        var check = Verifier().Verify(content, forged);

        Assert.Equal(SignatureRejection.NotASigner, check.Rejection);
        Assert.Throws<TrustException>(() => new DocumentSigner(cloud.Certificate));
    }

    [Fact]
    public void CodeSigningCertificateOfAnotherIdentity_CannotSign()
    {
        // A root-issued certificate with EKU codeSigning but a node's SPIFFE ID: the identity is checked, not the EKU alone.
        var crafted = Fleet.Craft(Fleet.Root, ["spiffe://fleet.test/region/eu"], ["1.3.6.1.5.5.7.3.3"]);
        using var key = crafted.Certificate.GetECDsaPrivateKey()!;
        var content = SignedContent.Of(Policy());
        var forged = new DocumentSignature(key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), crafted.Certificate.RawData);

        Assert.Equal(SignatureRejection.NotASigner, Verifier().Verify(content, forged).Rejection);
    }

    [Fact]
    public void SignerCertificate_CannotBeUsedForTls_NorIssuedAsANode()
    {
        var validator = Fleet.Validator();
        Assert.Equal(PeerRefusal.WrongKeyUsage, validator.Validate(Signer.Certificate, null, PeerRole.Client).Refusal);
        Assert.Equal(PeerRefusal.WrongKeyUsage, validator.Validate(Signer.Certificate, null, PeerRole.Server).Refusal);
        Assert.True(validator.Validate(Signer.Certificate, null, PeerRole.DocumentSigner).IsAuthenticated);

        using var csr = NodeKeys.CreateCsr(NodeIdentity.Signer(Fleet.Domain));
        Assert.Throws<TrustException>(() => Fleet.Root.SignNodeCsr(csr.CsrPem, NodeIdentity.Signer(Fleet.Domain)));
        Assert.Throws<TrustException>(() => Fleet.Eu.IssueSigner());
        Assert.Equal("spiffe://fleet.test/cloud/signer", NodeIdentity.Parse("spiffe://fleet.test/cloud/signer").ToString());
    }

    [Fact]
    public void SignerOfAnotherCa_IsUntrusted()
    {
        using var other = new Fleet(Time);
        using var issued = other.Root.IssueSigner();
        using var foreign = new DocumentSigner(issued);
        var doc = foreign.Sign(Policy());

        Assert.Equal(SignatureRejection.UntrustedSigner, Verifier().Verify(SignedContent.Of(doc), doc.Signature).Rejection);
    }

    [Fact]
    public void ExpiredSigner_IsRejected()
    {
        var doc = Signer.Sign(Policy());
        Time.Advance(CertificateAuthority.DefaultSignerValidity + TimeSpan.FromDays(1));

        Assert.Equal(SignatureRejection.SignerExpired, Verifier().Verify(SignedContent.Of(doc), doc.Signature).Rejection);
    }

    [Fact]
    public void RevokedSigner_IsRejected_BySerialOrIdentity()
    {
        var doc = Signer.Sign(Policy());
        var bySerial = Verifier(RevocationList.Create(serials: [Signer.Certificate.SerialNumber]));
        var byIdentity = Verifier(RevocationList.Create(ids: [NodeIdentity.Signer(Fleet.Domain)]));

        Assert.Equal(SignatureRejection.SignerRevoked, bySerial.Verify(SignedContent.Of(doc), doc.Signature).Rejection);
        Assert.Equal(SignatureRejection.SignerRevoked, byIdentity.Verify(SignedContent.Of(doc), doc.Signature).Rejection);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    public void ReplayedVersion_IsRejected(long applied)
    {
        var doc = Signer.Sign(Policy(version: 7));
        var assignment = Signer.Sign(Assignment(version: 7));
        Assert.Equal(SignatureRejection.Replayed, Verifier().Admit(doc, "eu", "eu-s1", resumeAfter: applied).Rejection);
        Assert.Equal(SignatureRejection.Replayed, Verifier().Admit(assignment, "eu", "eu-s1", resumeAfter: applied).Rejection);
        Assert.Equal(SignatureRejection.Replayed, Verifier().Admit(assignment, "eu", null, resumeAfter: applied).Rejection);
    }

    [Fact]
    public void AuthenticDocumentForAnotherScope_IsRejected()
    {
        var verifier = Verifier();
        var otherStore = Signer.Sign(Policy(scope: PolicyScope.ForStore("eu", "eu-s2")));
        var otherRegion = Signer.Sign(Assignment(scope: PolicyScope.ForRegion("us")));

        Assert.Equal(SignatureRejection.WrongScope, verifier.Admit(otherStore, "eu", "eu-s1", 0).Rejection);
        Assert.Equal(SignatureRejection.WrongScope, verifier.Admit(otherRegion, "eu", "eu-s1", 0).Rejection);
        Assert.Equal(SignatureRejection.WrongScope, verifier.Admit(otherRegion, "eu", null, 0).Rejection);
        Assert.True(verifier.Admit(otherStore, "eu", null, 0).IsValid); // region eu relays it to eu-s2
    }

    [Fact]
    public void SignerFiles_RoundTrip_AndDevelopmentSignerIsTrustedByTheDevelopmentBundle()
    {
        using var dir = new TempDir();
        using (var issued = Fleet.Root.IssueSigner()) DocumentSigner.Save(dir.Sub("signer"), issued);
        using var loaded = DocumentSigner.Load(dir.Sub("signer"));
        var doc = loaded.Sign(Policy());
        Assert.True(Verifier().Verify(SignedContent.Of(doc), doc.Signature).IsValid);

        var signerDir = DevelopmentCertificates.EnsureSignerAsync(dir.Path, Fleet.Domain).GetAwaiter().GetResult();
        var nodeDir = DevelopmentCertificates.EnsureAsync(dir.Path, Fleet.StoreEu1).GetAwaiter().GetResult();
        Assert.Equal(signerDir, DevelopmentCertificates.EnsureSignerAsync(dir.Path, Fleet.Domain).GetAwaiter().GetResult());
        using var dev = DocumentSigner.Load(signerDir);
        var bundle = PemFiles.ReadCertificates(Path.Combine(nodeDir, NodeDirectory.TrustBundleFile));
        var devDoc = dev.Sign(Assignment());
        Assert.True(new DocumentVerifier(Fleet.Domain, bundle).Verify(SignedContent.Of(devDoc), devDoc.Signature).IsValid);
    }

    [Fact]
    public async Task CertsIssueSigner_WritesASignerTheRootsBundleTrusts_AndNeverOverwritesOne()
    {
        using var dir = new TempDir();
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await CertsCommand.InvokeAsync(["init-ca", "--out", dir.Sub("ca"), "--trust-domain", Fleet.Domain], output, error, Time));
        Assert.Equal(0, await CertsCommand.InvokeAsync(["issue-signer", "--ca", dir.Sub("ca"), "--out", dir.Sub("signer"), "--days", "90"], output, error, Time));
        Assert.Contains("issued document signer spiffe://fleet.test/cloud/signer", output.ToString(), StringComparison.Ordinal);

        using var signer = DocumentSigner.Load(dir.Sub("signer"));
        var doc = signer.Sign(Policy());
        var bundle = PemFiles.ReadCertificates(Path.Combine(dir.Sub("ca"), CertificateAuthority.CertificateFile));
        Assert.True(new DocumentVerifier(Fleet.Domain, bundle, null, Time).Verify(SignedContent.Of(doc), doc.Signature).IsValid);
        Assert.Equal(1, await CertsCommand.InvokeAsync(["issue-signer", "--ca", dir.Sub("ca"), "--out", dir.Sub("signer")], output, error, Time));
        Assert.StartsWith("orleans-edge certs: ", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>One random change to a signed document: a field's value or a bit of its signature or signer certificate.</summary>
    private static object Mutate(object signed, int field, int bit, int pick)
    {
        static string Flip(string? s, int bit, int pick)
        {
            if (string.IsNullOrEmpty(s)) return "x";
            var chars = s.ToCharArray();
            chars[pick % chars.Length] ^= (char)(1 << (bit % 7));
            return new string(chars);
        }
        static double FlipDouble(double d, int bit) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(d) ^ (1L << (bit % 64)));
        static DocumentSignature FlipSignature(DocumentSignature s, int bit, int pick, bool certificate)
        {
            var bytes = (certificate ? s.SignerCertificate : s.Value).ToArray();
            bytes[pick % bytes.Length] ^= (byte)(1 << (bit % 8));
            return certificate ? s with { SignerCertificate = bytes } : s with { Value = bytes };
        }
        static DateTimeOffset FlipTime(DateTimeOffset t, int bit) =>
            DateTimeOffset.UnixEpoch.AddTicks(((t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 ^ (1L << (bit % 50))) * 10);
        static int[] FlipShape(int[] shape, int bit, int pick)
        {
            if (pick % 5 == 0) return [.. shape, bit];
            var copy = shape.ToArray();
            copy[pick % copy.Length] ^= 1 << (bit % 32);
            return copy;
        }
        static ModelManifest FlipManifest(ModelManifest m, int field, int bit, int pick) => (field % 8) switch
        {
            0 => m with { Version = Flip(m.Version, bit, pick) },
            1 => m with { Sha256 = Flip(m.Sha256, bit, pick) },
            2 => m with { SizeBytes = m.SizeBytes ^ (1L << (bit % 63)) },
            3 => m with { Variant = Flip(m.Variant, bit, pick) },
            4 => m with { InputShape = FlipShape(m.InputShape, bit, pick) },
            5 => m with { SkuShape = FlipShape(m.SkuShape, bit, pick) },
            6 => m with { Metrics = m.Metrics.ToDictionary(kv => kv.Key, kv => FlipDouble(kv.Value, bit)) },
            _ => m with { Metrics = m.Metrics.ToDictionary(kv => Flip(kv.Key, bit, pick), kv => kv.Value) },
        };

        switch (signed)
        {
            case PolicyDocument d:
                var p = d.Policy;
                return (field % 13) switch
                {
                    0 => d with { Scope = d.Scope with { Level = (ScopeLevel)(((int)d.Scope.Level + 1 + pick % 3) % 4) } },
                    1 => d with { Scope = d.Scope with { RegionId = Flip(d.Scope.RegionId, bit, pick) } },
                    2 => d with { Scope = d.Scope with { StoreId = Flip(d.Scope.StoreId, bit, pick) } },
                    3 => d with { Scope = d.Scope with { ShelfId = Flip(d.Scope.ShelfId, bit, pick) } },
                    4 => d with { Version = d.Version ^ (1L << (bit % 63)) },
                    5 => d with { Policy = p with { LowStockThresholdUnits = p.LowStockThresholdUnits is { } u ? u ^ (1 << (bit % 32)) : bit } },
                    6 => d with { Policy = p with { LowStockThresholdFraction = p.LowStockThresholdFraction is { } f ? FlipDouble(f, bit) : null, LowStockThresholdUnits = p.LowStockThresholdFraction is null ? null : p.LowStockThresholdUnits } },
                    7 => d with { Policy = p with { HysteresisUnits = FlipDouble(p.HysteresisUnits, bit) } },
                    8 => d with { Policy = p with { SummaryWindow = TimeSpan.FromMilliseconds((long)p.SummaryWindow.TotalMilliseconds ^ (1L << (bit % 40))) } },
                    9 => d with { Policy = p with { MismatchToleranceFraction = FlipDouble(p.MismatchToleranceFraction, bit) } },
                    10 => d with { ChangedAt = FlipTime(d.ChangedAt, bit) },
                    11 => d with { Signature = FlipSignature(d.Signature!, bit, pick, certificate: false) },
                    _ => d with { Signature = FlipSignature(d.Signature!, bit, pick, certificate: true) },
                };
            default:
                var a = (ModelAssignment)signed;
                return (field % 10) switch
                {
                    0 => a with { Scope = a.Scope with { Level = (ScopeLevel)(((int)a.Scope.Level + 1 + pick % 3) % 4) } },
                    1 => a with { Scope = a.Scope with { RegionId = Flip(a.Scope.RegionId, bit, pick) } },
                    2 => a with { Scope = a.Scope with { StoreId = Flip(a.Scope.StoreId, bit, pick) } },
                    3 => a with { Version = a.Version ^ (1L << (bit % 63)) },
                    4 => a with { Manifest = FlipManifest(a.Manifest, pick, bit, pick / 8) },
                    5 => a with { Variants = [.. a.Variants!.Select((v, i) => i == pick % a.Variants!.Count ? FlipManifest(v, pick / 3, bit, pick) : v)] },
                    6 => a with { Variants = pick % 2 == 0 ? [.. a.Variants!.Skip(1)] : [.. a.Variants!, a.Manifest] },
                    7 => a with { ChangedAt = FlipTime(a.ChangedAt, bit) },
                    8 => a with { Signature = FlipSignature(a.Signature!, bit, pick, certificate: false) },
                    _ => a with { Signature = FlipSignature(a.Signature!, bit, pick, certificate: true) },
                };
        }
    }

    private static readonly Gen<string> Id = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 1, 12];

    private static readonly Gen<PolicyScope> AnyScope = Gen.Select(Gen.Int[0, 3], Id, Id, Id, (level, r, s, sh) => level switch
    {
        0 => PolicyScope.Global,
        1 => PolicyScope.ForRegion(r),
        2 => PolicyScope.ForStore(r, s),
        _ => PolicyScope.ForShelf(r, s, sh),
    });

    private static readonly Gen<object> AnyDocument = Gen.OneOf(
        Gen.Select(AnyScope, Gen.Long[1, long.MaxValue], Gen.Bool, Gen.Double[0, 1], Gen.Int[0, 10_000], Gen.Long[1_000, 86_400_000], Gen.Long[0, 4_000_000_000_000_000],
            (scope, version, byUnits, fraction, units, windowMs, us) => (object)new PolicyDocument(scope, version,
                new ReplenishmentPolicy(byUnits ? units : null, byUnits ? null : fraction, fraction * 10, TimeSpan.FromMilliseconds(windowMs), Math.Max(fraction, 0.01)),
                DateTimeOffset.UnixEpoch.AddTicks(us * 10))),
        Gen.Select(AnyScope, Gen.Long[1, long.MaxValue], Id, Gen.Long[1, long.MaxValue], Gen.Double, Gen.Long[0, 4_000_000_000_000_000],
            (scope, version, model, size, metric, us) =>
            {
                var fp32 = new ModelManifest(model, Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(size))), size, "fp32",
                    [-1, 3, 64, 64], [-1, 1], [-1, 8], new Dictionary<string, double> { ["accuracy"] = metric });
                var scopeOfModel = scope.Level == ScopeLevel.Shelf ? scope with { Level = ScopeLevel.Store, ShelfId = null } : scope;
                return (object)new ModelAssignment(scopeOfModel, version, fp32, DateTimeOffset.UnixEpoch.AddTicks(us * 10), [fp32, fp32 with { Variant = "int8" }]);
            }));

    [Fact]
    public void RandomlyChangedSignedDocuments_NeverVerify()
    {
        var verifier = Verifier();
        var checkedCount = 0;
        // One sample of 10,000 cases drawn from the fixed seed, so every run checks exactly the same cases.
        Gen.Select(AnyDocument, Gen.Int[0, 1_000], Gen.Int[0, 63], Gen.Int[0, 100_000]).Array[10_000]
            .Sample(cases =>
            {
                foreach (var (doc, field, bit, pick) in cases) Check(doc, field, bit, pick);
            }, iter: 1, threads: 1, seed: Seed);
        Assert.True(checkedCount >= 9_000, $"only {checkedCount} changed documents were checked");

        void Check(object doc, int field, int bit, int pick)
        {
            var signed = doc is PolicyDocument p ? (object)Signer.Sign(p) : Signer.Sign((ModelAssignment)doc);
            var changed = Mutate(signed, field, bit, pick);
            var (content, signature) = changed switch
            {
                PolicyDocument d => (TryContent(() => SignedContent.Of(d)), d.Signature),
                ModelAssignment a => (TryContent(() => SignedContent.Of(a)), a.Signature),
                _ => throw new InvalidOperationException(),
            };
            // A change the canonical encoding cannot even represent (a string that is no longer Unicode) is refused too.
            if (content is null) return;
            var check = verifier.Verify(content, signature);
            Assert.False(check.IsValid, $"field {field} bit {bit} pick {pick}: a changed document verified");
            checkedCount++;
        }
    }

    private const string Seed = "0N0XIzNsQ0O2";

    private static byte[]? TryContent(Func<byte[]> content)
    {
        try
        {
            return content();
        }
        catch (System.Text.EncoderFallbackException)
        {
            return null;
        }
    }
}
