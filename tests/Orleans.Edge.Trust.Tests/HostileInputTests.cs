using System.Security.Cryptography.X509Certificates;
using CsCheck;
using Microsoft.Extensions.Logging;

namespace Orleans.Edge.Trust.Tests;

/// <summary>Other inputs that come from outside: SAN extensions of presented certificates, deny-lists published down.</summary>
public sealed class HostileInputTests
{
    private static readonly byte[] GoodSan = SpiffeSan.CreateExtension(Fleet.StoreEu1).RawData;

    private static readonly Gen<byte[]> HostileSan = Gen.Frequency(
        (1, Gen.Byte.Array[0, 300]),
        (3, Gen.Select(Gen.Int[0, 10_000], Gen.Byte, Gen.Int[1, 4], (at, value, count) =>
        {
            var bytes = (byte[])GoodSan.Clone();
            for (var i = 0; i < count; i++) bytes[(at + i * 7) % bytes.Length] = value;
            return bytes;
        })),
        (1, Gen.Int[0, 10_000].Select(cut => GoodSan[..(cut % GoodSan.Length)])));

    [Fact]
    public void HostileSanExtensions_NeverThrow_AndYieldAnIdentityOnlyWhenValid()
    {
        HostileSan.Sample(der =>
        {
            var reading = SpiffeSan.Read([new X509Extension(SpiffeSan.SubjectAltNameOid, der, false)]);
            if (reading.Identity is null)
            {
                Assert.NotEqual(PeerRefusal.None, reading.Refusal);
                Assert.False(string.IsNullOrEmpty(reading.Problem));
            }
            else
            {
                Assert.Equal(reading.Identity.ToString(), NodeIdentity.Parse(reading.Identity.ToString()).ToString());
            }
        }, iter: 10_000);
    }

    private static readonly Gen<string> HostileLine = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["0123456789abcdefABCDEF: \t#"], 0, 80],
        Gen.Const("spiffe://fleet.test/region/eu/store/eu-s1"),
        Gen.Const("spiffe://fleet.test/region/EU"),
        Gen.Const("SPIFFE://fleet.test/cloud"),
        Gen.Const("\r"));

    [Fact]
    public void HostileDenyLists_EitherParse_OrAreRefusedNamingTheLine()
    {
        HostileLine.Array[0, 20].Sample(lines =>
        {
            var text = string.Join('\n', lines);
            try
            {
                var list = RevocationList.Parse(text);
                var again = RevocationList.Parse(list.Format());
                Assert.Equal(list.Serials.Order(), again.Serials.Order());
                Assert.Equal(list.Ids.Order(), again.Ids.Order());
            }
            catch (FormatException ex)
            {
                Assert.StartsWith("line ", ex.Message, StringComparison.Ordinal);
            }
        }, iter: 10_000);
    }

    [Fact]
    public void BadFiles_AreLoggedOnce_NotOnEveryCheck()
    {
        using var fleet = new Fleet(TimeProvider.System);
        using var dir = new TempDir();
        var node = fleet.WriteNode(dir.Path, Fleet.StoreEu1);
        var logger = new ListLogger<CertificateFileSource>();
        using var source = new CertificateFileSource(dir.Path, logger, pollInterval: TimeSpan.FromHours(1));

        File.WriteAllText(Path.Combine(dir.Path, NodeDirectory.CertificateFile), "-----BEGIN CERTIFICATE-----\nMIIB");
        Assert.False(source.Reload());
        Assert.False(source.Reload());

        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("still serving the last good certificate", warning.Message, StringComparison.Ordinal);
        Assert.Contains(node.Certificate.SerialNumber, warning.Message, StringComparison.Ordinal);
    }
}
