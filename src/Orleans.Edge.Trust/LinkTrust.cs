using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orleans.Edge.Trust;

/// <summary>
/// How this node's tier links authenticate: mutual TLS 1.3 with the node's certificate (the default),
/// or, only when someone asked for it, no authentication at all. One per node; the parent side
/// (Kestrel) and the child side (the connection to its parent) both ask it.
/// </summary>
public sealed partial class LinkTrust
{
    /// <summary>The meter of the trust counters (<c>orleans_edge_link_peers_refused_total</c>, <c>orleans_edge_link_insecure</c>).</summary>
    public const string MeterName = "Orleans.Edge.Trust";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> RefusedCounter = Meter.CreateCounter<long>("orleans_edge_link_peers_refused",
        description: "Tier-link peers refused: at the TLS handshake (no, untrusted, revoked or misused certificate; not a child of this node) or per call (a child speaking as another)");
    private static int _insecureNodes;
    private static readonly ObservableGauge<int> InsecureGauge = Meter.CreateObservableGauge("orleans_edge_link_insecure",
        () => Volatile.Read(ref _insecureNodes), description: "1 while a tier link of this process runs without authentication (--insecure)");

    private readonly CertificateFileSource? _source;
    private readonly ILogger _logger;
    private readonly Lock _publishing = new();
    private volatile Published _published = new(0, RevocationList.Empty);
    private volatile CombinedValidator? _validator;
    private readonly ConcurrentDictionary<(string Peer, PeerRefusal Reason), byte> _logged = new();

    private LinkTrust(CertificateFileSource? source, NodeIdentity? self, ILogger? logger)
    {
        _source = source;
        Self = self;
        _logger = logger ?? NullLogger.Instance;
        _ = InsecureGauge;
        if (source is null) Interlocked.Increment(ref _insecureNodes);
    }

    /// <summary>Mutual TLS with the credentials <paramref name="source"/> serves (and reloads).</summary>
    public static LinkTrust Mutual(CertificateFileSource source, ILogger<LinkTrust>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new(source, source.Current.Identity, logger);
    }

    /// <summary>No authentication: plaintext HTTP/2, any caller accepted as whoever it claims to be. Only on request (<c>--insecure</c>).</summary>
    public static LinkTrust Insecure(ILogger<LinkTrust>? logger = null) => new(null, null, logger);

    /// <summary>True when the links run without authentication.</summary>
    public bool IsInsecure => _source is null;

    /// <summary>This node's authenticated identity; null when insecure.</summary>
    public NodeIdentity? Self { get; }

    /// <summary>The node's credentials; null when insecure.</summary>
    public CertificateFileSource? Source => _source;

    private CertificateFileSource RequireSource() =>
        _source ?? throw new InvalidOperationException("this node's tier links run without authentication (--insecure)");

    /// <summary>Version of the fleet's published deny-list in force here (0: none yet).</summary>
    public long PublishedRevocationsVersion => _published.Version;

    /// <summary>
    /// Puts the fleet's published deny-list (SPIFFE IDs and hex serials, as the links carry it down) in
    /// force beside the node's own <c>revocations.txt</c>, for new handshakes and the next call of live
    /// connections; an older version than the one in force is ignored. Throws <see cref="FormatException"/>
    /// for a bad entry, and changes nothing then.
    /// </summary>
    public bool ApplyPublished(long version, IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = RevocationList.Parse(string.Join('\n', entries));
        lock (_publishing)
        {
            if (version <= _published.Version) return false;
            _published = new Published(version, list);
        }
        LogPublishedApplied(_logger, version, list.Ids.Count + list.Serials.Count);
        return true;
    }

    /// <summary>
    /// The validator in force: the node's trust bundle and deny-list with the fleet's published one added
    /// (e.g. for verifying signed documents with what the links trust).
    /// </summary>
    public PeerValidator CurrentValidator() => Validator();

    /// <summary>The node's validator with the published deny-list added to its own; rebuilt when either changes.</summary>
    private PeerValidator Validator()
    {
        var source = RequireSource();
        var credentials = source.Current;
        var published = _published;
        var cached = _validator;
        if (cached is not null && cached.Credentials == credentials && cached.Published == published) return cached.Validator;
        var validator = new PeerValidator(credentials.Identity.TrustDomain, credentials.Roots, credentials.Revocations.Union(published.List), source.Time);
        _validator = new CombinedValidator(credentials, published, validator);
        return validator;
    }

    private sealed record Published(long Version, RevocationList List);

    private sealed record CombinedValidator(NodeCredentials Credentials, Published Published, PeerValidator Validator);

    /// <summary>
    /// The parent side, at the TLS handshake: authenticates a child's certificate against the trust
    /// bundle and deny-list in force, then checks the child may talk to this node at all
    /// (<see cref="ParentAuthorizer"/>). A refusal is counted and logged once per peer and reason; a
    /// caller with no certificate is known only by <paramref name="remote"/>, its address.
    /// </summary>
    public PeerValidation ValidateChild(X509Certificate? certificate, X509Chain? chain, EndPoint? remote = null)
    {
        var result = Validator().Validate(certificate, chain, PeerRole.Client);
        if (result.IsAuthenticated && ParentAuthorizer.Problem(Self!, result.Identity!) is { } problem)
            result = PeerValidation.Refuse(PeerRefusal.NotAuthorized, problem, result.Serial);
        if (!result.IsAuthenticated) OnRefused(Describe(certificate, remote), result.Refusal, result.Problem);
        return result;
    }

    /// <summary>
    /// The parent side, per call on an authenticated connection: the child's identity from its
    /// certificate, or a reason to refuse the call (the certificate was revoked since the connection
    /// was made: the deny-list in force is applied to live connections too).
    /// </summary>
    public PeerValidation AuthenticatedChild(X509Certificate2? certificate)
    {
        if (certificate is null) return Refused(PeerRefusal.NoCertificate, "(none)", "the connection carries no client certificate");
        var san = SpiffeSan.Read(certificate);
        if (san.Identity is not { } identity)
            return Refused(san.Refusal, Describe(certificate), san.Problem ?? "no SPIFFE ID");
        var revocations = Validator().Revocations;
        if (revocations.IsRevoked(identity) || revocations.IsSerialRevoked(certificate.SerialNumber))
            return Refused(PeerRefusal.Revoked, identity.ToString(), $"{identity} (serial {certificate.SerialNumber}) has been revoked");
        if (ParentAuthorizer.Problem(Self!, identity) is { } problem) return Refused(PeerRefusal.NotAuthorized, identity.ToString(), problem);
        return new PeerValidation(identity, PeerRefusal.None, null, certificate.SerialNumber);
    }

    /// <summary>Counts and logs (once per peer and reason) a child refused per call, e.g. one speaking as another.</summary>
    public PeerValidation Refused(PeerRefusal refusal, string peer, string problem)
    {
        OnRefused(peer, refusal, problem);
        return PeerValidation.Refuse(refusal, problem);
    }

    /// <summary>
    /// The child side: TLS 1.3 over <paramref name="transport"/> (the connection to the parent), with this
    /// node's current certificate and its intermediates, accepting only this node's parent
    /// (<see cref="ParentAuthorizer.ParentOf"/>) under the trust bundle in force. Each new connection
    /// takes the credentials in force at that moment, so a rotated certificate or a new deny-list
    /// applies without a restart. Throws <see cref="LinkAuthenticationException"/> naming the cause.
    /// </summary>
    public async ValueTask<SslStream> AuthenticateToParentAsync(Stream transport, string host, CancellationToken cancellationToken)
    {
        var source = RequireSource();
        var credentials = source.Current;
        var validator = Validator();
        var parent = ParentAuthorizer.ParentOf(Self!) ?? throw new InvalidOperationException($"{Self} has no parent to dial");
        PeerValidation? seen = null;
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                EnabledSslProtocols = SslProtocols.Tls13,
                ClientCertificateContext = credentials.CertificateContext,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // The parent is known by its SPIFFE ID, not by a host name: the platform's verdict
                // (system roots, host name) is ignored, the fleet's trust bundle decides.
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    seen = validator.Validate(certificate, chain, PeerRole.Server);
                    if (seen.IsAuthenticated && seen.Identity != parent)
                        seen = PeerValidation.Refuse(PeerRefusal.NotAuthorized,
                            $"the server at {host} is {seen.Identity}, not this node's parent {parent}", seen.Serial);
                    if (!seen.IsAuthenticated) OnRefused($"{host} (parent)", seen.Refusal, seen.Problem);
                    return seen.IsAuthenticated;
                },
            }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var cause = seen is { IsAuthenticated: false } refused
                ? $"the parent at {host} was refused ({refused.Refusal}): {refused.Problem}"
                : $"the TLS handshake with the parent at {host} failed (did it refuse this node's certificate, {credentials.Identity} serial {credentials.Certificate.SerialNumber}?): {ex.Message}";
            throw new LinkAuthenticationException(cause, ex);
        }
    }

    // A caller without a certificate is logged once per address, not per connection (its port changes each time).
    private static string Describe(X509Certificate? certificate, EndPoint? remote = null) => certificate switch
    {
        null => remote switch
        {
            IPEndPoint ip => $"(no certificate) from {ip.Address}",
            null => "(no certificate)",
            _ => $"(no certificate) from {remote}",
        },
        X509Certificate2 c when SpiffeSan.Read(c).Identity is { } id => id.ToString(),
        _ => certificate.Subject,
    };

    private void OnRefused(string peer, PeerRefusal reason, string? problem)
    {
        RefusedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
        if (_logged.Count < 10_000 && _logged.TryAdd((peer, reason), 0)) LogRefused(_logger, peer, reason, problem ?? "");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The fleet's deny-list version {Version} is in force on the tier links ({Count} entries)")]
    private static partial void LogPublishedApplied(ILogger logger, long version, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tier-link peer {Peer} refused ({Reason}): {Problem}. Logged once per peer and reason; counted in orleans_edge_link_peers_refused_total")]
    private static partial void LogRefused(ILogger logger, string peer, PeerRefusal reason, string problem);
}

/// <summary>The TLS handshake of a tier link failed: names which side refused what.</summary>
public sealed class LinkAuthenticationException(string message, Exception? inner = null) : Exception(message, inner);
