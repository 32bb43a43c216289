using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Trust;

/// <summary>What a node is in the fleet.</summary>
public enum NodeKind
{
    /// <summary>The cloud cluster: <c>spiffe://&lt;domain&gt;/cloud</c>.</summary>
    Cloud,
    /// <summary>A regional cluster: <c>spiffe://&lt;domain&gt;/region/&lt;r&gt;</c>.</summary>
    Region,
    /// <summary>A store cluster: <c>spiffe://&lt;domain&gt;/region/&lt;r&gt;/store/&lt;s&gt;</c>.</summary>
    Store,
    /// <summary>
    /// The cloud's document signer, <c>spiffe://&lt;domain&gt;/cloud/signer</c>: not a cluster, a key that signs policies and
    /// model assignments and nothing else (EKU codeSigning only, so it cannot be used for TLS and a TLS certificate cannot sign).
    /// </summary>
    Signer,
}

/// <summary>
/// A cluster's identity as its certificate names it: a SPIFFE ID in the fleet's trust domain.
/// Parsing is strict on purpose (exact lower-case scheme, no port, user info, query, fragment,
/// percent-encoding, empty or dot segments, trailing slash) so that one identity has exactly
/// one spelling and a deny-list entry or a comparison cannot be dodged by writing it differently.
/// Region and store ids follow <see cref="EdgeId"/>.
/// </summary>
public sealed record NodeIdentity
{
    /// <summary>The URI scheme prefix of every SPIFFE ID.</summary>
    public const string Scheme = "spiffe://";

    /// <summary>Longest trust domain taken (the SPIFFE specification's limit).</summary>
    public const int MaxTrustDomainLength = 255;

    /// <summary>Longest SPIFFE ID taken (the SPIFFE specification's limit).</summary>
    public const int MaxLength = 2048;

    private static readonly SearchValues<char> TrustDomainChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");

    private NodeIdentity(string trustDomain, NodeKind kind, string? regionId, string? storeId) =>
        (TrustDomain, Kind, RegionId, StoreId) = (trustDomain, kind, regionId, storeId);

    /// <summary>The trust domain, e.g. <c>fleet.example</c>.</summary>
    public string TrustDomain { get; }

    /// <summary>Cloud, region or store.</summary>
    public NodeKind Kind { get; }

    /// <summary>The region this node is or belongs to; null for the cloud.</summary>
    public string? RegionId { get; }

    /// <summary>The store id; null unless <see cref="Kind"/> is <see cref="NodeKind.Store"/>.</summary>
    public string? StoreId { get; }

    /// <summary>The cloud of <paramref name="trustDomain"/>.</summary>
    public static NodeIdentity Cloud(string trustDomain) => new(RequireTrustDomain(trustDomain), NodeKind.Cloud, null, null);

    /// <summary>The cloud's document signer of <paramref name="trustDomain"/>.</summary>
    public static NodeIdentity Signer(string trustDomain) => new(RequireTrustDomain(trustDomain), NodeKind.Signer, null, null);

    /// <summary>Region <paramref name="regionId"/> of <paramref name="trustDomain"/>.</summary>
    public static NodeIdentity Region(string trustDomain, string regionId) =>
        new(RequireTrustDomain(trustDomain), NodeKind.Region, RequireSegment(regionId, "region id"), null);

    /// <summary>Store <paramref name="storeId"/> of region <paramref name="regionId"/> in <paramref name="trustDomain"/>.</summary>
    public static NodeIdentity Store(string trustDomain, string regionId, string storeId) =>
        new(RequireTrustDomain(trustDomain), NodeKind.Store, RequireSegment(regionId, "region id"), RequireSegment(storeId, "store id"));

    /// <summary>The identity of the cluster <paramref name="edge"/> names, in <paramref name="trustDomain"/>.</summary>
    public static NodeIdentity From(string trustDomain, EdgeIdentity edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return edge.StoreId is { } store ? Store(trustDomain, edge.RegionId!, store)
            : edge.RegionId is { } region ? Region(trustDomain, region)
            : Cloud(trustDomain);
    }

    /// <summary>The same cluster as the rest of the code names it.</summary>
    public EdgeIdentity ToEdgeIdentity() => Kind switch
    {
        NodeKind.Store => EdgeIdentity.Store(RegionId!, StoreId!),
        NodeKind.Region => EdgeIdentity.Region(RegionId!),
        NodeKind.Signer => throw new InvalidOperationException($"{this} is the document signer, not a cluster"),
        _ => EdgeIdentity.Cloud,
    };

    /// <summary>The region identity that issues this store's certificate (its intermediate CA) or that is this region.</summary>
    public NodeIdentity RegionIdentity() => RegionId is { } r
        ? new NodeIdentity(TrustDomain, NodeKind.Region, r, null)
        : throw new InvalidOperationException($"{this} has no region");

    /// <summary>A short name safe as a directory name: <c>cloud</c>, <c>region-eu</c>, <c>store-eu-s1</c> (the Orleans cluster id).</summary>
    public string ClusterId => Kind == NodeKind.Signer ? "cloud-signer" : ToEdgeIdentity().ClusterId;

    /// <summary>The SPIFFE ID, e.g. <c>spiffe://fleet.example/region/eu/store/eu-s1</c>.</summary>
    public override string ToString() => Kind switch
    {
        NodeKind.Store => $"{Scheme}{TrustDomain}/region/{RegionId}/store/{StoreId}",
        NodeKind.Region => $"{Scheme}{TrustDomain}/region/{RegionId}",
        NodeKind.Signer => $"{Scheme}{TrustDomain}/cloud/signer",
        _ => $"{Scheme}{TrustDomain}/cloud",
    };

    /// <summary>Parses a SPIFFE ID; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static NodeIdentity Parse(string? value) =>
        TryParse(value, out var identity, out var problem) ? identity : throw new FormatException(problem);

    /// <summary>Parses a SPIFFE ID; on failure <paramref name="problem"/> says what is wrong.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out NodeIdentity? identity, [NotNullWhen(false)] out string? problem)
    {
        problem = Problem(value, out identity);
        if (problem is null && identity is not null) return true;
        // Messages echo parts of the input: never let control or bidi characters into a log line.
        problem = Printable(problem ?? "the SPIFFE ID is invalid");
        identity = null;
        return false;
    }

    /// <summary>Why <paramref name="trustDomain"/> is not a valid trust domain, or null when it is.</summary>
    public static string? TrustDomainProblem(string? trustDomain)
    {
        if (string.IsNullOrEmpty(trustDomain)) return "the trust domain is empty";
        if (trustDomain.Length > MaxTrustDomainLength) return $"the trust domain is longer than {MaxTrustDomainLength} characters";
        var bad = trustDomain.AsSpan().IndexOfAnyExcept(TrustDomainChars);
        if (bad >= 0) return $"the trust domain contains {Describe(trustDomain[bad])}; use lower-case letters, digits, '-', '_' or '.'";
        // Dot-separated labels, as a host name: a SPIFFE ID must stay a valid URI.
        if (trustDomain.StartsWith('.') || trustDomain.EndsWith('.') || trustDomain.Contains("..", StringComparison.Ordinal))
            return "the trust domain must be dot-separated labels (no leading, trailing or doubled '.')";
        return null;
    }

    private static string? Problem(string? value, out NodeIdentity? identity)
    {
        identity = null;
        if (string.IsNullOrEmpty(value)) return "the SPIFFE ID is empty";
        if (value.Length > MaxLength) return $"the SPIFFE ID is longer than {MaxLength} characters";
        if (!value.StartsWith(Scheme, StringComparison.Ordinal))
            return value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
                ? "the SPIFFE ID's scheme must be written 'spiffe://' in lower case"
                : $"'{Shorten(value)}' is not a SPIFFE ID: it must start with 'spiffe://'";
        var rest = value.AsSpan(Scheme.Length);
        var slash = rest.IndexOf('/');
        var domain = slash < 0 ? rest.ToString() : rest[..slash].ToString();
        if (domain.Length == 0) return "the SPIFFE ID has no trust domain";
        if (domain.Contains(':', StringComparison.Ordinal)) return "the SPIFFE ID's trust domain must not have a port";
        if (domain.Contains('@', StringComparison.Ordinal)) return "the SPIFFE ID must not have user info";
        if (TrustDomainProblem(domain) is { } domainProblem) return domainProblem;
        if (slash < 0) return $"the SPIFFE ID names only the trust domain '{domain}'; a node's ID has a path (/cloud, /region/<r> or /region/<r>/store/<s>)";
        var path = rest[(slash + 1)..].ToString();
        if (path.Contains('?', StringComparison.Ordinal)) return "the SPIFFE ID must not have a query";
        if (path.Contains('#', StringComparison.Ordinal)) return "the SPIFFE ID must not have a fragment";
        if (path.Contains('%', StringComparison.Ordinal)) return "the SPIFFE ID must not be percent-encoded";
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].Length == 0)
                return i == segments.Length - 1 ? "the SPIFFE ID must not end with '/'" : "the SPIFFE ID has an empty path segment ('//')";
            if (segments[i] is "." or "..") return "the SPIFFE ID must not have '.' or '..' path segments";
        }
        switch (segments)
        {
            case ["cloud"]:
                identity = new NodeIdentity(domain, NodeKind.Cloud, null, null);
                return null;
            case ["cloud", "signer"]:
                identity = new NodeIdentity(domain, NodeKind.Signer, null, null);
                return null;
            case ["region", var region]:
                if (SegmentProblem(region, "region id") is { } rp) return rp;
                identity = new NodeIdentity(domain, NodeKind.Region, region, null);
                return null;
            case ["region", var region, "store", var store]:
                if (SegmentProblem(region, "region id") is { } rp2) return rp2;
                if (SegmentProblem(store, "store id") is { } sp) return sp;
                identity = new NodeIdentity(domain, NodeKind.Store, region, store);
                return null;
            default:
                return $"the SPIFFE ID's path '/{Shorten(path)}' names no node; expected /cloud, /cloud/signer, /region/<r> or /region/<r>/store/<s>";
        }
    }

    private static string? SegmentProblem(string value, string what)
    {
        if (value is "." or "..") return $"{what} must not be '.' or '..'";
        return EdgeId.Problem(value, what) is { } problem ? $"the SPIFFE ID's {problem}" : null;
    }

    private static string RequireTrustDomain(string trustDomain) =>
        TrustDomainProblem(trustDomain) is { } problem ? throw new ArgumentException(problem, nameof(trustDomain)) : trustDomain;

    private static string RequireSegment(string value, string what) =>
        SegmentProblem(value, what) is { } problem ? throw new ArgumentException(problem, what) : value;

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)
        ? $"U+{(int)c:X4}"
        : $"'{c}'";

    private static string Printable(string text) =>
        string.Create(text.Length, text, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                var category = char.GetUnicodeCategory(s[i]);
                span[i] = char.IsControl(s[i]) || category is System.Globalization.UnicodeCategory.Format
                    or System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.LineSeparator
                    or System.Globalization.UnicodeCategory.ParagraphSeparator ? '?' : s[i];
            }
        });

    private static string Shorten(string value)
    {
        var head = value.Length > 64 ? value[..64] + "…" : value;
        // Never echo control characters back into a log line.
        return string.Create(head.Length, head, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }
}
