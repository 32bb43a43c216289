using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Edge.Trust;

/// <summary>Reads and writes the SPIFFE URI SAN of certificates and certificate requests.</summary>
public static class SpiffeSan
{
    /// <summary>OID of the subject alternative name extension.</summary>
    public const string SubjectAltNameOid = "2.5.29.17";

    // GeneralName ::= CHOICE { ... uniformResourceIdentifier [6] IA5String ... }
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The SAN extension naming exactly <paramref name="identity"/> and nothing else.</summary>
    public static X509Extension CreateExtension(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        // Written with AsnWriter rather than SubjectAlternativeNameBuilder.AddUri: System.Uri rejects
        // some valid trust domains (labels with '_' or a trailing '-') and might normalise the text.
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, identity.ToString(), UriTag);
        }
        return new X509Extension(SubjectAltNameOid, writer.Encode(), critical: false);
    }

    /// <summary>
    /// The one SPIFFE ID that <paramref name="certificate"/> names, or the reason there is not exactly one valid one.
    /// </summary>
    public static SanReading Read(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Read(certificate.Extensions.Cast<X509Extension>());
    }

    /// <summary>As <see cref="Read(X509Certificate2)"/>, for a certificate request's requested extensions.</summary>
    public static SanReading Read(IEnumerable<X509Extension> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        var sans = extensions.Where(e => e.Oid?.Value == SubjectAltNameOid).ToList();
        if (sans.Count == 0) return SanReading.Fail(PeerRefusal.NoSpiffeId, "the certificate has no subject alternative name, so no SPIFFE ID");
        if (sans.Count > 1) return SanReading.Fail(PeerRefusal.MultipleSpiffeIds, "the certificate has more than one subject alternative name extension");
        List<string> spiffe = [];
        try
        {
            var reader = new AsnReader(sans[0].RawData, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(UriTag))
                {
                    var uri = names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag);
                    if (uri.StartsWith("spiffe:", StringComparison.OrdinalIgnoreCase)) spiffe.Add(uri);
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException ex)
        {
            return SanReading.Fail(PeerRefusal.InvalidSpiffeId, $"the subject alternative name extension is malformed: {ex.Message}");
        }
        catch (CryptographicException ex)
        {
            return SanReading.Fail(PeerRefusal.InvalidSpiffeId, $"the subject alternative name extension is malformed: {ex.Message}");
        }
        if (spiffe.Count == 0) return SanReading.Fail(PeerRefusal.NoSpiffeId, "the certificate's subject alternative name has no SPIFFE URI");
        if (spiffe.Count > 1) return SanReading.Fail(PeerRefusal.MultipleSpiffeIds, $"the certificate names {spiffe.Count} SPIFFE IDs; exactly one is allowed");
        return NodeIdentity.TryParse(spiffe[0], out var identity, out var problem)
            ? new SanReading(identity, PeerRefusal.None, null)
            : SanReading.Fail(PeerRefusal.InvalidSpiffeId, $"the certificate's SPIFFE ID is invalid: {problem}");
    }
}

/// <summary>The outcome of reading a SPIFFE ID from a certificate: the identity, or why there is none.</summary>
public sealed record SanReading(NodeIdentity? Identity, PeerRefusal Refusal, string? Problem)
{
    internal static SanReading Fail(PeerRefusal refusal, string problem) => new(null, refusal, problem);
}
