using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Edge.Trust;

namespace Orleans.Edge.Client;

/// <summary>
/// The app's side of the store gateway's mutual TLS (production profile): the certificate in
/// <see cref="StoreClientOptions.CertificateDirectory"/>, which must name the store the app connects
/// to, and a gateway accepted only with that same store's certificate.
/// </summary>
internal sealed class StoreClientTls(StoreClientOptions options, ILoggerFactory? logging) : IDisposable
{
    private readonly Lazy<(CertificateFileSource Source, ClusterTls Tls)?> _tls = new(() => Load(options, logging));

    /// <summary>The TLS of this client; null without a certificate directory (plaintext, as the embedded profile's gateway speaks).</summary>
    public ClusterTls? Tls => _tls.Value?.Tls;

    /// <summary>Puts TLS on every gateway connection of <paramref name="client"/> when the options give a certificate directory.</summary>
    public static void Use(IClientBuilder client)
    {
        client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(connection =>
        {
            if (connection.ApplicationServices.GetRequiredService<StoreClientTls>().Tls is { } tls) connection.UseClientTls(tls.Options());
        }));
    }

    /// <summary>
    /// Checks the certificate directory before connecting: it must hold usable credentials naming
    /// store <see cref="StoreClientOptions.StoreId"/>. Throws <see cref="ArgumentException"/> naming the setting.
    /// </summary>
    public static NodeIdentity? Check(StoreClientOptions options)
    {
        if (options.CertificateDirectory is not { } directory) return null;
        NodeIdentity identity;
        try
        {
            identity = NodeCredentials.Load(directory).Identity;
        }
        catch (Exception ex) when (ex is TrustException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{nameof(StoreClientOptions.CertificateDirectory)} '{directory}' cannot be used: {ex.Message}", nameof(options), ex);
        }
        if (identity.Kind != NodeKind.Store || identity.StoreId != options.StoreId)
            throw new ArgumentException($"{nameof(StoreClientOptions.CertificateDirectory)} '{directory}' holds a certificate of {identity}, not of store '{options.StoreId}'", nameof(options));
        return identity;
    }

    private static (CertificateFileSource, ClusterTls)? Load(StoreClientOptions options, ILoggerFactory? logging)
    {
        if (Check(options) is not { } identity) return null;
        var source = new CertificateFileSource(options.CertificateDirectory!, logging?.CreateLogger<CertificateFileSource>(), expected: identity);
        return (source, new ClusterTls(LinkTrust.Mutual(source, logging?.CreateLogger<LinkTrust>())));
    }

    public void Dispose()
    {
        if (_tls.IsValueCreated) _tls.Value?.Source.Dispose();
    }
}
