using System.Collections.Frozen;
using System.Globalization;

namespace Orleans.Edge.Trust;

/// <summary>
/// The deny-list: certificate serial numbers (any certificate in the chain, leaf or intermediate)
/// and SPIFFE IDs (the leaf's). File format: one entry a line, <c>#</c> starts a comment; a line
/// starting with <c>spiffe://</c> is an ID, anything else a serial in hex (colons and spaces ignored).
/// </summary>
public sealed class RevocationList
{
    private RevocationList(FrozenSet<string> serials, FrozenSet<string> ids) => (Serials, Ids) = (serials, ids);

    /// <summary>Nothing revoked.</summary>
    public static RevocationList Empty { get; } = new(FrozenSet<string>.Empty, FrozenSet<string>.Empty);

    /// <summary>Revoked serials, upper-case hex without leading zero bytes.</summary>
    public FrozenSet<string> Serials { get; }

    /// <summary>Revoked SPIFFE IDs, in their one canonical spelling.</summary>
    public FrozenSet<string> Ids { get; }

    /// <summary>A list of these serials and identities.</summary>
    public static RevocationList Create(IEnumerable<string>? serials = null, IEnumerable<NodeIdentity>? ids = null) =>
        new((serials ?? []).Select(NormalizeSerial).ToFrozenSet(StringComparer.Ordinal),
            (ids ?? []).Select(id => id.ToString()).ToFrozenSet(StringComparer.Ordinal));

    /// <summary>Whether <paramref name="serialHex"/> (as <see cref="System.Security.Cryptography.X509Certificates.X509Certificate2.SerialNumber"/> gives it) is revoked.</summary>
    public bool IsSerialRevoked(string serialHex) => Serials.Contains(NormalizeSerial(serialHex));

    /// <summary>Whether <paramref name="identity"/> is revoked.</summary>
    public bool IsRevoked(NodeIdentity identity) => identity is not null && Ids.Contains(identity.ToString());

    /// <summary>Everything revoked in this list or in <paramref name="other"/>.</summary>
    public RevocationList Union(RevocationList other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Serials.Count == 0 && other.Ids.Count == 0) return this;
        return new(Serials.Union(other.Serials).ToFrozenSet(StringComparer.Ordinal), Ids.Union(other.Ids).ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>Parses the file format; throws <see cref="FormatException"/> naming the first bad line.</summary>
    public static RevocationList Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<string> serials = [];
        List<NodeIdentity> ids = [];
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("spiffe:", StringComparison.OrdinalIgnoreCase))
            {
                if (!NodeIdentity.TryParse(line, out var id, out var problem)) throw new FormatException($"line {number}: {problem}");
                ids.Add(id);
            }
            else
            {
                var serial = NormalizeSerial(line);
                if (serial.Length == 0 || serial.Length > 40 || !serial.All(char.IsAsciiHexDigit))
                    throw new FormatException($"line {number}: '{(line.Length > 48 ? line[..48] + "…" : line)}' is neither a SPIFFE ID nor a hex serial of at most 20 bytes");
                serials.Add(serial);
            }
        }
        return Create(serials, ids);
    }

    /// <summary>The file format of this list.</summary>
    public string Format() =>
        string.Concat(Ids.Order(StringComparer.Ordinal).Concat(Serials.Order(StringComparer.Ordinal)).Select(l => l + "\n"));

    internal static string NormalizeSerial(string serial)
    {
        ArgumentNullException.ThrowIfNull(serial);
        var hex = new string(serial.Where(c => c is not (':' or ' ' or '\t' or '\r')).ToArray()).ToUpper(CultureInfo.InvariantCulture);
        if (hex.StartsWith("0X", StringComparison.Ordinal)) hex = hex[2..];
        while (hex.Length > 2 && hex.StartsWith("00", StringComparison.Ordinal)) hex = hex[2..];
        return hex;
    }
}
