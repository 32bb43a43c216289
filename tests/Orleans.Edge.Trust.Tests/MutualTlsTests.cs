using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Orleans.Edge.Trust.Tests;

/// <summary>The certificates and the validator work for real mutual TLS 1.3 on this platform's TLS stack.</summary>
public sealed class MutualTlsTests : IDisposable
{
    private readonly Fleet _fleet = new(TimeProvider.System);

    public void Dispose() => _fleet.Dispose();

    private sealed record Outcome(PeerValidation? ServerSaw, PeerValidation? ClientSaw, SslProtocols? Protocol, byte? Echo, Exception? ServerError, Exception? ClientError);

    private async Task<Outcome> Handshake(Node server, Node? client, PeerValidator serverValidator, PeerValidator clientValidator)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        PeerValidation? serverSaw = null, clientSaw = null;
        SslProtocols? protocol = null;
        byte? echo = null;
        Exception? serverError = null, clientError = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var serverTask = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
            await using var tls = new SslStream(socket.GetStream());
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(server.Certificate, server.Chain, offline: true),
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = serverValidator.CreateCallback(PeerRole.Client, r => serverSaw = r),
                }, timeout.Token);
                var buffer = new byte[1];
                await tls.ReadExactlyAsync(buffer, timeout.Token);
                await tls.WriteAsync(buffer, timeout.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                serverError = ex;
            }
        });

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            await using var tls = new SslStream(socket.GetStream());
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    ClientCertificateContext = client is null ? null : SslStreamCertificateContext.Create(client.Certificate, client.Chain, offline: true),
                    EnabledSslProtocols = SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = clientValidator.CreateCallback(PeerRole.Server, r => clientSaw = r),
                }, timeout.Token);
                protocol = tls.SslProtocol;
                await tls.WriteAsync(new byte[] { 42 }, timeout.Token);
                var buffer = new byte[1];
                await tls.ReadExactlyAsync(buffer, timeout.Token);
                echo = buffer[0];
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                clientError = ex;
            }
        }
        await serverTask;
        return new Outcome(serverSaw, clientSaw, protocol, echo, serverError, clientError);
    }

    [Fact]
    public async Task StoreAndRegion_CompleteATls13MutualHandshake_AndKnowEachOthersIdentity()
    {
        var region = _fleet.Issue(Fleet.RegionEu);
        var store = _fleet.Issue(Fleet.StoreEu1);

        var outcome = await Handshake(region, store, _fleet.Validator(), _fleet.Validator());

        Assert.Null(outcome.ServerError);
        Assert.Null(outcome.ClientError);
        Assert.Equal(SslProtocols.Tls13, outcome.Protocol);
        Assert.Equal((byte)42, outcome.Echo);
        // The store's intermediate travelled in the handshake: the region authenticated it as the store.
        Assert.Equal(Fleet.StoreEu1, outcome.ServerSaw?.Identity);
        Assert.Equal(Fleet.RegionEu, outcome.ClientSaw?.Identity);
        Assert.True(ParentAuthorizer.MayConnect(outcome.ClientSaw!.Identity!, outcome.ServerSaw!.Identity!));
    }

    [Fact]
    public async Task ClientOfAnotherCa_IsRefusedInTheHandshake()
    {
        using var other = new Fleet(TimeProvider.System);
        var region = _fleet.Issue(Fleet.RegionEu);
        var intruder = other.Issue(Fleet.StoreEu1);

        var outcome = await Handshake(region, intruder, _fleet.Validator(), _fleet.Validator());

        Assert.NotNull(outcome.ServerError);
        Assert.Equal(PeerRefusal.UntrustedIssuer, outcome.ServerSaw?.Refusal);
        Assert.Null(outcome.Echo);
    }

    [Fact]
    public async Task ClientWithoutACertificate_IsRefusedInTheHandshake()
    {
        var region = _fleet.Issue(Fleet.RegionEu);

        var outcome = await Handshake(region, null, _fleet.Validator(), _fleet.Validator());

        Assert.NotNull(outcome.ServerError);
        Assert.Equal(PeerRefusal.NoCertificate, outcome.ServerSaw?.Refusal);
        Assert.Null(outcome.Echo);
    }
}
