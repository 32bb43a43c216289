using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Signing;
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
        await PrepareSignerAsync(settings, cancellationToken);
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

    /// <summary>The cloud's document signer: the development one made if it is used, then loaded once, so a bad one stops the cloud with one line.</summary>
    private static async Task PrepareSignerAsync(TierSettings settings, CancellationToken cancellationToken)
    {
        if (settings is not CloudTierSettings) return;
        var setting = $"{nameof(TierSettings.Trust)}.{nameof(TrustSettings.SignerDirectory)}";
        try
        {
            if (settings.Trust.SignerDirectory is null)
                await DevelopmentCertificates.EnsureSignerAsync(settings.Trust.EffectiveDevelopmentDirectory, settings.Trust.TrustDomain, settings.Time, cancellationToken);
            DocumentSigner.Load(SignerDirectory(settings)).Dispose();
        }
        catch (Exception ex) when (ex is TrustException or IOException or UnauthorizedAccessException)
        {
            throw new TierStartException(setting, $"the document signer in '{SignerDirectory(settings)}' ({{0}}) cannot be used: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }

    /// <summary>Where the cloud's document signer is read from.</summary>
    public static string SignerDirectory(TierSettings settings) => settings.Trust.SignerDirectory
        ?? Path.Combine(settings.Trust.EffectiveDevelopmentDirectory, DevelopmentCertificates.Folder, DevelopmentCertificates.CaFolder, DevelopmentCertificates.SignerFolder);

    /// <summary>
    /// The cloud signs what it publishes; regions and stores verify it with the fleet's trust bundle and
    /// deny-list as this node's credentials have them (reloaded with them), or, without authentication, with
    /// the development CA. Registered as replaceable defaults, so a test may give other keys.
    /// </summary>
    public static void AddDocumentSigning(IServiceCollection services, TierSettings settings)
    {
        if (settings is CloudTierSettings)
        {
            services.TryAddSingleton(_ => DocumentSigner.Load(SignerDirectory(settings)));
            services.TryAddSingleton<IDocumentSigner>(sp => sp.GetRequiredService<DocumentSigner>());
            return;
        }
        if (settings.Trust.Insecure)
            services.TryAddSingleton<IDocumentVerifier>(_ =>
            {
                // Makes the development CA if it is not there yet (a store started before its cloud).
                var dir = settings.Trust.EffectiveDevelopmentDirectory;
                DevelopmentCertificates.EnsureSignerAsync(dir, settings.Trust.TrustDomain, settings.Time).GetAwaiter().GetResult();
                var root = PemFiles.ReadCertificates(Path.Combine(dir, DevelopmentCertificates.Folder, DevelopmentCertificates.CaFolder, CertificateAuthority.CertificateFile));
                return new DocumentVerifier(settings.Trust.TrustDomain, root, null, settings.Time);
            });
        else
            services.TryAddSingleton<IDocumentVerifier>(sp => new DocumentVerifier(sp.GetRequiredService<LinkTrust>().CurrentValidator));
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
    /// <remarks>
    /// The handshake options are this node's own rather than Kestrel's <c>HttpsConnectionAdapterOptions</c>:
    /// with <c>ClientCertificateMode.RequireCertificate</c> Kestrel refuses a caller that sends no
    /// certificate before <c>ClientCertificateValidation</c> runs, so that refusal went uncounted. SslStream
    /// calls <see cref="SslServerAuthenticationOptions.RemoteCertificateValidationCallback"/> with a null
    /// certificate (and <c>RemoteCertificateNotAvailable</c>) in that case, so <see cref="LinkTrust.ValidateChild"/>
    /// sees it, counts it as <see cref="PeerRefusal.NoCertificate"/> and the handshake still fails.
    /// </remarks>
    public static void UseLinkTls(ListenOptions listen, TierSettings settings)
    {
        if (settings.Trust.Insecure) return;
        var trust = LazyTrust(listen);
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = TimeSpan.FromSeconds(10),
            OnConnection = context => ValueTask.FromResult(LinkServerOptions(trust(), context.Connection.RemoteEndPoint)),
        });
    }

    /// <summary>One tier-link handshake's server options: the certificate in force now, a child's certificate required and judged by <paramref name="trust"/>.</summary>
    internal static SslServerAuthenticationOptions LinkServerOptions(LinkTrust trust, EndPoint? remote) => new()
    {
        EnabledSslProtocols = SslProtocols.Tls13,
        ServerCertificate = trust.Source!.Certificate,
        ClientCertificateRequired = true,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        // The platform's verdict (system roots) is ignored: the fleet's trust bundle and deny-list decide.
        RemoteCertificateValidationCallback = (_, certificate, chain, _) => trust.ValidateChild(certificate, chain, remote).IsAuthenticated,
    };
}
