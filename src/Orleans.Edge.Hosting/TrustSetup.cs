using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Trust;

namespace Orleans.Edge.Hosting;

/// <summary>
/// Wires a tier's <see cref="TrustSettings"/>: makes development certificates when they are used,
/// checks the node's credentials before anything starts, gives the tier its <see cref="LinkTrust"/>,
/// and puts mutual TLS on the tier-link listener.
/// </summary>
internal static class TrustSetup
{
    /// <summary>The node directory this tier reads its credentials from.</summary>
    public static string NodeDirectory(TierSettings settings) => settings.Trust.CertificateDirectory
        ?? DevelopmentCertificates.NodeDirectoryOf(settings.Trust.EffectiveDevelopmentDirectory, ExpectedIdentity(settings));

    /// <summary>The identity this tier must hold: its cluster, in the trust domain of its settings (development) or of its certificate.</summary>
    public static NodeIdentity ExpectedIdentity(TierSettings settings, string? trustDomain = null) =>
        NodeIdentity.From(trustDomain ?? settings.Trust.TrustDomain, settings.Identity);

    /// <summary>
    /// Before anything starts: makes development certificates if they are used, then loads the
    /// credentials once, so a missing, broken or foreign certificate stops the tier with one line.
    /// </summary>
    public static async Task PrepareAsync(TierSettings settings, CancellationToken cancellationToken)
    {
        var trust = settings.Trust;
        if (trust.Insecure) return;
        var setting = trust.CertificateDirectory is null ? $"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.DevelopmentDirectory)}" : $"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.CertificateDirectory)}";
        try
        {
            if (trust.CertificateDirectory is null)
                await DevelopmentCertificates.EnsureAsync(trust.EffectiveDevelopmentDirectory, ExpectedIdentity(settings), settings.Time, cancellationToken);
            using var probe = Load(settings, logger: null);
        }
        catch (Exception ex) when (ex is TrustException or IOException or UnauthorizedAccessException)
        {
            throw new TierStartException(setting, $"the tier-link credentials in '{NodeDirectory(settings)}' ({{0}}) cannot be used: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }

    /// <summary>The credentials source of this tier, pinned to its identity.</summary>
    public static CertificateFileSource Load(TierSettings settings, ILogger<CertificateFileSource>? logger)
    {
        var directory = NodeDirectory(settings);
        // The trust domain is the fleet's, as the node's certificate says; the rest of the identity is this tier's.
        var domain = settings.Trust.CertificateDirectory is null ? settings.Trust.TrustDomain : NodeCredentials.Load(directory, settings.Time).Identity.TrustDomain;
        return new CertificateFileSource(directory, logger, settings.Time, expected: ExpectedIdentity(settings, domain));
    }

    /// <summary>Registers the tier's <see cref="LinkTrust"/> (and its credentials source, disposed with the host).</summary>
    public static void AddLinkTrust(IServiceCollection services, TierSettings settings)
    {
        if (settings.Trust.Insecure)
        {
            services.AddSingleton(sp => LinkTrust.Insecure(sp.GetService<ILogger<LinkTrust>>()));
            return;
        }
        services.AddSingleton(sp => Load(settings, sp.GetService<ILogger<CertificateFileSource>>()));
        services.AddSingleton(sp => LinkTrust.Mutual(sp.GetRequiredService<CertificateFileSource>(), sp.GetService<ILogger<LinkTrust>>()));
    }

    /// <summary>
    /// The ops listener of the production profile: HTTPS (TLS 1.3) with the node's certificate,
    /// re-read per handshake, and no client certificate (probes and scrapers authenticate with HTTP
    /// Basic; Kubernetes probes use scheme HTTPS without validating). The embedded profile serves
    /// plain HTTP on loopback.
    /// </summary>
    public static void UseOpsTls(ListenOptions listen, TierSettings settings)
    {
        if (!settings.IsProduction) return;
        var trust = LazyTrust(listen);
        listen.UseHttps(https =>
        {
            https.SslProtocols = SslProtocols.Tls13;
            https.ClientCertificateMode = ClientCertificateMode.NoCertificate;
            https.ServerCertificateSelector = (_, _) => trust().Source!.Certificate;
            https.HandshakeTimeout = TimeSpan.FromSeconds(10);
        });
    }

    // Kestrel's options are built with the host, before start-up made or checked the
    // credentials: the trust is looked up at the first handshake.
    private static Func<LinkTrust> LazyTrust(ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        LinkTrust? resolved = null;
        return () => resolved ??= services.GetRequiredService<LinkTrust>();
    }

    /// <summary>
    /// The tier-link listener: TLS 1.3 with this node's certificate (re-read per handshake, so a
    /// rotated one is served without a restart), a client certificate required and validated by
    /// the fleet's trust bundle and deny-list, and only this node's children accepted. Plaintext
    /// HTTP/2 only when insecure.
    /// </summary>
    public static void UseLinkTls(ListenOptions listen, TierSettings settings)
    {
        if (settings.Trust.Insecure) return;
        var trust = LazyTrust(listen);
        listen.UseHttps(https =>
        {
            https.SslProtocols = SslProtocols.Tls13;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.CheckCertificateRevocation = false;
            https.ServerCertificateSelector = (_, _) => trust().Source!.Certificate;
            https.ClientCertificateValidation = (certificate, chain, _) => trust().ValidateChild(certificate, chain).IsAuthenticated;
            https.HandshakeTimeout = TimeSpan.FromSeconds(10);
        });
    }
}
