using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Orleans.Edge.EndToEnd.Tests.Chaos;

/// <summary>A plain Orleans client of a tier running in another process, for checking its grains.</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    public IClusterClient Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects; to a production cluster (mutual TLS on its gateway) with the cluster's credentials in <paramref name="certificates"/>.</summary>
    public static async Task<ClusterConnection> ConnectAsync(string clusterId, int gatewayPort, string? certificates = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, EdgeNames.ServiceId));
            if (certificates is null) return;
            var tls = new Trust.ClusterTls(Trust.LinkTrust.Mutual(new Trust.CertificateFileSource(certificates)));
            client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(c => c.UseClientTls(tls.Options())));
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterConnection(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
