using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Orleans.Edge.Trust;

/// <summary>
/// Orleans' own connections inside one cluster (silo to silo, and a client to a gateway) as mutual
/// TLS 1.3 with the cluster's certificate: every silo of a cluster, and every app of a store, holds a
/// certificate naming that cluster's identity, and a connection is accepted only from a peer whose
/// certificate chains to the fleet's trust bundle under the deny-list in force and names the same
/// identity. Refusals count and log with the tier links' (<see cref="LinkTrust.Refused"/>).
/// Certificates and intermediates are taken from the <see cref="CertificateFileSource"/> per handshake,
/// so a rotated certificate needs no restart. See docs/trust.md.
/// </summary>
public sealed class ClusterTls
{
    private readonly LinkTrust _trust;
    private readonly CertificateFileSource _source;

    /// <summary>
    /// The TLS of the cluster whose credentials <paramref name="trust"/> serves. Refusals are counted and
    /// logged by it, with the tier links' (<c>orleans_edge_link_peers_refused_total</c>, once per peer and reason).
    /// </summary>
    public ClusterTls(LinkTrust trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        _trust = trust;
        _source = trust.Source ?? throw new ArgumentException("an insecure node has no cluster certificate", nameof(trust));
    }

    /// <summary>The identity every peer must hold: this cluster's.</summary>
    public NodeIdentity Cluster => _source.Current.Identity;

    /// <summary>
    /// Options for Orleans' TLS middleware (<c>UseServerTls</c>/<c>UseClientTls</c>, or <c>UseTls</c> on a
    /// client): TLS 1.3 only, a certificate required from the other end, this cluster's certificate and
    /// intermediates sent, the peer checked by <see cref="Validate"/>.
    /// </summary>
    public TlsOptions Options() => new()
    {
        SslProtocols = SslProtocols.Tls13,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        // Orleans' middleware wants a certificate up front; the one in force replaces it per handshake below.
        LocalServerCertificateSelector = (_, _) => _source.Certificate,
        CheckCertificateRevocation = false,
        RemoteCertificateValidation = (certificate, chain, _) => Validate(certificate, chain).IsAuthenticated,
        OnAuthenticateAsServer = (_, options) =>
        {
            var ssl = (SslServerAuthenticationOptions)options.SslServerAuthenticationOptions;
            ssl.ServerCertificate = null;
            ssl.ServerCertificateSelectionCallback = null;
            ssl.ServerCertificateContext = _source.Current.CertificateContext;   // sends a store's region intermediate
        },
        OnAuthenticateAsClient = (_, options) =>
        {
            var ssl = (SslClientAuthenticationOptions)options.SslClientAuthenticationOptions;
            ssl.ClientCertificates = null;
            ssl.LocalCertificateSelectionCallback = null;
            ssl.ClientCertificateContext = _source.Current.CertificateContext;
            ssl.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        },
    };

    /// <summary>
    /// A peer of this cluster (either end of a connection): its certificate must chain to the trust
    /// bundle under the deny-list in force and name this cluster's identity. A refusal is counted and
    /// logged once per peer and reason.
    /// </summary>
    public PeerValidation Validate(X509Certificate2? certificate, X509Chain? chain)
    {
        var cluster = Cluster;
        // Both ends hold the same kind of certificate (serverAuth and clientAuth); checked as a client's.
        var result = _source.Validator.Validate(certificate, chain, PeerRole.Client);
        if (result.IsAuthenticated && result.Identity != cluster)
            result = PeerValidation.Refuse(PeerRefusal.NotAuthorized, $"{result.Identity} is not of this cluster ({cluster})", result.Serial);
        if (!result.IsAuthenticated)
        {
            var peer = certificate is null ? "(no certificate)" : SpiffeSan.Read(certificate).Identity?.ToString() ?? certificate.Subject;
            _trust.Refused(result.Refusal, $"{peer} (Orleans connection of {cluster})", result.Problem ?? "");
        }
        return result;
    }
}
