using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Edge.Grains;
using Orleans.Edge.Signing;

namespace Orleans.Edge.Trust.Tests;

/// <summary>The fleet's deny-list signed by the cloud's document signer, and what a region or store admits of it.</summary>
public sealed class RevocationSigningTests : SignerTests
{
    private const string RevokedStore = "spiffe://fleet.test/store/eu/eu-s1";
    private const string RevokedRegion = "spiffe://fleet.test/region/us";
    private const string RevokedSerial = "0a1b2c3d";

    private static PublishedRevocations List(long version = 5) => new(version, [RevokedStore, RevokedRegion, RevokedSerial]);

    [Fact]
    public void SignedList_IsAdmitted_OverAnOlderOne()
    {
        var signed = Signer.Sign(List());

        Assert.NotNull(signed.Signature);
        Assert.True(Verifier().Admit(signed, heldVersion: 4).IsValid);
        Assert.True(Verifier().Admit(signed, heldVersion: 0).IsValid);
        Assert.StartsWith(SignedContent.RevocationsLabel, System.Text.Encoding.ASCII.GetString(SignedContent.Of(signed)), StringComparison.Ordinal);
    }

    [Fact]
    public void UnsignedList_IsRefused()
    {
        var check = Verifier().Admit(List(), heldVersion: 0);

        Assert.Equal(SignatureRejection.NotSigned, check.Rejection);
        Assert.StartsWith("unsigned:", check.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> ListChanges => new() { "entry dropped", "entry changed", "entry added", "entries reordered", "version raised", "emptied" };

    [Theory]
    [MemberData(nameof(ListChanges))]
    public void ListChangedAfterSigning_IsRefusedAsTampered(string change)
    {
        var signed = Signer.Sign(List());
        var e = signed.Entries;
        var changed = change switch
        {
            "entry dropped" => signed with { Entries = [e[0], e[2]] },
            "entry changed" => signed with { Entries = [e[0], "spiffe://fleet.test/region/eu", e[2]] },
            "entry added" => signed with { Entries = [.. e, "ffee"] },
            "entries reordered" => signed with { Entries = [e[1], e[0], e[2]] },
            "version raised" => signed with { Version = signed.Version + 1 },
            "emptied" => signed with { Entries = [] },
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

        var check = Verifier().Admit(changed, heldVersion: 4);

        Assert.Equal(SignatureRejection.Tampered, check.Rejection);
        Assert.Contains("does not match", check.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    public void AuthenticButOlderOrSameVersion_IsRefusedAsReplayed(long held)
    {
        var old = Signer.Sign(List(version: 5) with { Entries = [RevokedSerial] });

        var check = Verifier().Admit(old, heldVersion: held);

        Assert.Equal(SignatureRejection.Replayed, check.Rejection);
        Assert.Contains($"version {held}", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ListSignedByANodesTlsKey_IsRefused()
    {
        // A region holds a fleet certificate and its key, but not the signer's: it cannot re-sign what it relays.
        var region = Fleet.Issue(Fleet.RegionEu);
        using var key = region.Certificate.GetECDsaPrivateKey()!;
        var forged = List() with { Entries = [RevokedSerial] };
        var signature = new DocumentSignature(key.SignData(SignedContent.Of(forged), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            region.Certificate.RawData);

        Assert.Equal(SignatureRejection.NotASigner, Verifier().Admit(forged with { Signature = signature }, heldVersion: 4).Rejection);
    }

    [Fact]
    public void ListSignedByTheSignerOfAnotherCa_IsRefused()
    {
        using var other = new Fleet(Time);
        using var issued = other.Root.IssueSigner();
        using var foreign = new DocumentSigner(issued);

        Assert.Equal(SignatureRejection.UntrustedSigner, Verifier().Admit(foreign.Sign(List()), heldVersion: 4).Rejection);
    }

    [Fact]
    public void PolicySignature_IsNotValidOnAList()
    {
        var policy = Signer.Sign(DocumentSigningTests.Policy(version: 5));

        Assert.Equal(SignatureRejection.Tampered, Verifier().Admit(List() with { Signature = policy.Signature }, heldVersion: 4).Rejection);
    }
}
