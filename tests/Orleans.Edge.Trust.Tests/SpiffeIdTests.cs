using CsCheck;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Trust.Tests;

public sealed class SpiffeIdTests
{
    private const long Iterations = 10_000;
    private const string IdChars = "abcdefghijklmnopqrstuvwxyz0123456789-_.";

    private static readonly Gen<string> ValidId = Gen.String[Gen.Char[IdChars], 1, EdgeId.MaxLength].Where(s => s is not ("." or ".."));
    private static readonly Gen<string> ValidDomain = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"], 1, 12].Array[1, 4].Select(labels => string.Join('.', labels));

    private static readonly Gen<NodeIdentity> ValidIdentity = Gen.OneOf(
        ValidDomain.Select(NodeIdentity.Cloud),
        Gen.Select(ValidDomain, ValidId, NodeIdentity.Region),
        Gen.Select(ValidDomain, ValidId, ValidId, NodeIdentity.Store));

    private static readonly string[] Hostile =
    [
        "/", "//", "..", ".", "%2f", "%", "?", "#", "@", ":", ":443", "A", "Z", " ", "\t", "\n", "\r\n", "\0", "\u202e", "\u00e9",
        "\ud83d\ude00", "\ud800", "\\", "spiffe://", "SPIFFE://", "region", "store", "cloud", "/region/x", "/store/y", "\u0130", "ｓ",
    ];

    /// <summary>Valid identities and hostile variants of them: insertions, replacements and truncations.</summary>
    private static readonly Gen<string> HostileString = Gen.Frequency(
        (2, Gen.String),
        (1, Gen.String[Gen.Char, 0, 3000]),
        (4, Gen.Select(ValidIdentity, Gen.Int[0, 1000], Gen.OneOf(Hostile), (id, at, bad) =>
        {
            var s = id.ToString();
            var i = at % (s.Length + 1);
            return s[..i] + bad + s[i..];
        })),
        (3, Gen.Select(ValidIdentity, Gen.Int[0, 1000], Gen.OneOf(Hostile), (id, at, bad) =>
        {
            var s = id.ToString();
            var i = at % s.Length;
            return s[..i] + bad + s[(i + 1)..];
        })),
        (1, Gen.Select(ValidIdentity, Gen.Int[0, 1000], (id, at) => id.ToString()[..(at % (id.ToString().Length + 1))])),
        (1, Gen.Select(ValidIdentity, Gen.Int[1, 3000], (id, n) => id.ToString() + new string('a', n))));

    [Fact]
    public void ValidIdentities_RoundTripThroughTheirSpiffeId_AndTheirSanExtension()
    {
        ValidIdentity.Sample(identity =>
        {
            var parsed = NodeIdentity.Parse(identity.ToString());
            Assert.Equal(identity, parsed);
            Assert.Equal(identity.ToString(), parsed.ToString());
            Assert.Equal(identity, SpiffeSan.Read([SpiffeSan.CreateExtension(identity)]).Identity);
        }, iter: Iterations);
    }

    [Fact]
    public void HostileStrings_NeverCrash_AndAreEitherTheOneCanonicalSpellingOrRefusedWithAReason()
    {
        var refused = 0;
        HostileString.Sample(text =>
        {
            if (NodeIdentity.TryParse(text, out var identity, out var problem))
            {
                // Accepted only in its one canonical spelling: no other way to write a revoked id.
                Assert.Equal(text, identity.ToString());
            }
            else
            {
                Interlocked.Increment(ref refused);
                Assert.False(string.IsNullOrWhiteSpace(problem));
                Assert.True(problem.Length < 400, $"the message is too long: {problem.Length}");
                Assert.DoesNotContain(problem, c => char.IsControl(c) || char.IsSurrogate(c) || c == '\u202e');
                var ex = Assert.Throws<FormatException>(() => NodeIdentity.Parse(text));
                Assert.Equal(problem, ex.Message);
            }
        }, iter: Iterations * 2);
        Assert.True(refused > 10_000, $"only {refused} hostile strings were refused; the generator is too tame");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("https://fleet.test/cloud", "must start with 'spiffe://'")]
    [InlineData("SPIFFE://fleet.test/cloud", "lower case")]
    [InlineData("spiffe:///cloud", "no trust domain")]
    [InlineData("spiffe://fleet.test", "names only the trust domain")]
    [InlineData("spiffe://Fleet.test/cloud", "trust domain contains 'F'")]
    [InlineData("spiffe://fleet.test:443/cloud", "port")]
    [InlineData("spiffe://me@fleet.test/cloud", "user info")]
    [InlineData("spiffe://fleet.test/cloud?x=1", "query")]
    [InlineData("spiffe://fleet.test/cloud#x", "fragment")]
    [InlineData("spiffe://.fleet.test/cloud", "dot-separated labels")]
    [InlineData("spiffe://fleet..test/cloud", "dot-separated labels")]
    [InlineData("spiffe://fleet.test/region/e%75", "percent-encoded")]
    [InlineData("spiffe://fleet.test/region/eu/", "must not end with '/'")]
    [InlineData("spiffe://fleet.test/region//eu", "empty path segment")]
    [InlineData("spiffe://fleet.test/region/../cloud", "'.' or '..'")]
    [InlineData("spiffe://fleet.test/region/EU", "region id 'EU' contains 'E'")]
    [InlineData("spiffe://fleet.test/region/eu/store/s 1", "store id 's 1' contains ' '")]
    [InlineData("spiffe://fleet.test/region/eu/store", "names no node")]
    [InlineData("spiffe://fleet.test/store/eu-s1", "names no node")]
    [InlineData("spiffe://fleet.test/cloud/x", "names no node")]
    public void InvalidSpiffeIds_AreRefusedWithASpecificReason(string text, string reason)
    {
        Assert.False(NodeIdentity.TryParse(text, out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongIds_AreRefusedWithTheLimit()
    {
        var problem = Assert.Throws<FormatException>(() => NodeIdentity.Parse($"spiffe://fleet.test/region/{new string('a', 65)}")).Message;
        Assert.Contains("longer than 64", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Identities_MapToTheClusterIdsTheRestOfTheCodeUses()
    {
        Assert.Equal("spiffe://fleet.test/region/eu/store/eu-s1", NodeIdentity.From("fleet.test", EdgeIdentity.Store("eu", "eu-s1")).ToString());
        Assert.Equal("store-eu-s1", Fleet.StoreEu1.ClusterId);
        Assert.Equal(EdgeIdentity.Region("eu"), Fleet.RegionEu.ToEdgeIdentity());
        Assert.Equal(EdgeIdentity.Cloud, Fleet.Cloud.ToEdgeIdentity());
        Assert.Throws<ArgumentException>(() => NodeIdentity.Store("fleet.test", "eu", "Bad"));
    }
}
