using Orleans.Edge.Trust;

namespace Orleans.Edge.Hosting;

/// <summary>
/// How a tier authenticates its tier links (see docs/trust.md). By default every link is mutual TLS
/// 1.3: with the node's own certificate (<see cref="CertificateDirectory"/>), or, in the embedded
/// profile when none is given, with development certificates made on first start under
/// <see cref="DevelopmentDirectory"/>. <see cref="Insecure"/> turns authentication off and must be asked for.
/// </summary>
public sealed class TrustSettings
{
    /// <summary>The trust domain development certificates are made in (production: the certificate's).</summary>
    public const string DefaultTrustDomain = "edge.local";

    /// <summary>
    /// The node's credentials directory (<c>node.crt.pem</c>, <c>node.key.pem</c>, <c>trust-bundle.pem</c>,
    /// optional <c>revocations.txt</c>; made with the <c>certs</c> command). Required by the production profile.
    /// </summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>
    /// Embedded profile without <see cref="CertificateDirectory"/>: where the development CA and the
    /// nodes' development certificates are made and found. Tiers that share it trust each other.
    /// Default: <c>~/.local/share/orleans-edge/dev-certs</c> (per user, like ASP.NET Core's dev certs).
    /// </summary>
    public string? DevelopmentDirectory { get; set; }

    /// <summary>
    /// The cloud: the document signer's directory (<c>signer.crt.pem</c>, <c>signer.key.pem</c>; made with
    /// <c>certs issue-signer</c>), whose key signs every policy and model assignment and nothing else.
    /// Required by a production cloud; the embedded profile otherwise uses the development signer
    /// beside the development CA.
    /// </summary>
    public string? SignerDirectory { get; set; }

    /// <summary>The trust domain of development certificates (<see cref="DefaultTrustDomain"/>).</summary>
    public string TrustDomain { get; set; } = DefaultTrustDomain;

    /// <summary>
    /// Plaintext tier links that accept any caller as whoever it claims to be. For a trusted lab
    /// network only; the production profile refuses it; the start-up block and <c>/metrics</c>
    /// (<c>orleans_edge_link_insecure</c>) say it is on.
    /// </summary>
    public bool Insecure { get; set; }

    /// <summary>The development directory in force.</summary>
    public string EffectiveDevelopmentDirectory => DevelopmentDirectory
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "orleans-edge", "dev-certs");

    /// <summary>Problems with these settings for a tier of the given profile; empty when valid.</summary>
    public IEnumerable<string> Problems(bool production, bool cloud = false)
    {
        if (production && cloud && SignerDirectory is null)
            yield return "a production cloud needs its document signer: set SignerDirectory (made with `orleans-edge certs issue-signer`; see docs/trust.md)";
        if (SignerDirectory is not null && !cloud)
            yield return "SignerDirectory belongs to the cloud: regions and stores verify with the trust bundle, they sign nothing";
        if (Insecure && production)
            yield return "Insecure (plaintext, unauthenticated tier links) is refused by the production profile";
        if (Insecure && CertificateDirectory is not null)
            yield return "Insecure and CertificateDirectory contradict each other: give one";
        if (production && !Insecure && CertificateDirectory is null)
            yield return "the production profile needs the node's certificates: set CertificateDirectory (made with `orleans-edge certs`; see docs/trust.md)";
        if (NodeIdentity.TrustDomainProblem(TrustDomain) is { } domainProblem)
            yield return $"TrustDomain: {domainProblem}";
    }
}
