using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.EndToEnd.Tests.Attacks;

/// <summary>
/// A cloud, region <see cref="Region"/> and its genuine store <see cref="Store"/>, on development
/// certificates of their own (a private CA, so a test may revoke without touching other tests), and
/// what an attacker needs: raw tier-link clients that present any certificate, or none, and trust any
/// server (an attacker does not care who the parent is).
/// </summary>
public sealed class AttackFleet : IAsyncLifetime
{
    public const string Region = "atk";
    public const string Store = "atk-s1";

    private readonly List<IDisposable> _disposables = [];

    public string CertsDirectory { get; } = Directory.CreateTempSubdirectory("edge-attack-certs-").FullName;
    public EdgeTierHost Cloud { get; private set; } = null!;
    public EdgeTierHost RegionHost { get; private set; } = null!;
    public EdgeTierHost StoreHost { get; private set; } = null!;

    /// <summary>Refusals counted in <c>orleans_edge_link_peers_refused_total</c>, by reason, since the fixture started.</summary>
    public RefusalCounter Refusals { get; } = new();

    public async Task InitializeAsync()
    {
        Cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), Trust = Trust(),
        });
        await Cloud.StartAsync();
        RegionHost = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = Region, ParentAddress = Cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(),
            LinkPort = FreePorts.Next(), Trust = Trust(),
        });
        await RegionHost.StartAsync();
        StoreHost = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = Store, RegionId = Region, ParentAddress = RegionHost.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), Trust = Trust(),
        });
        await StoreHost.StartAsync();
        await Eventually.Get(() => RegionView(Store), v => v is not null,
            $"the genuine store known at the region (its link: {StoreHost.Uplink?.Status.LastError})", TimeSpan.FromSeconds(30));
    }

    private TrustSettings Trust() => new() { DevelopmentDirectory = CertsDirectory };

    /// <summary>The region's view of one store (null when it never heard of it).</summary>
    public async Task<RegionStoreView?> RegionView(string store) =>
        (await RegionHost.Grains.GetGrain<IRegionAggregatorGrain>(Region).GetStores()).SingleOrDefault(s => s.StoreId == store);

    /// <summary>Development credentials of <paramref name="node"/> from this fleet's CA (a genuine certificate).</summary>
    public NodeCredentials Genuine(EdgeIdentity node) =>
        NodeCredentials.Load(DevelopmentCertificates.EnsureAsync(CertsDirectory, NodeIdentity.From(TrustSettings.DefaultTrustDomain, node)).GetAwaiter().GetResult());

    /// <summary>This fleet's development root CA (to mint certificates an attacker could not).</summary>
    public CertificateAuthority RootCa(TimeProvider? time = null) =>
        CertificateAuthority.Load(Path.Combine(CertsDirectory, DevelopmentCertificates.Folder, DevelopmentCertificates.CaFolder), time: time);

    /// <summary>
    /// A raw tier-link client to <paramref name="parent"/> over TLS 1.3 that presents <paramref name="certificate"/>
    /// (with <paramref name="intermediates"/>), or none, and accepts any server.
    /// </summary>
    public P.TierLink.TierLinkClient Attacker(EdgeTierHost parent, X509Certificate2? certificate, X509Certificate2Collection? intermediates = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificateContext = certificate is null ? null : SslStreamCertificateContext.Create(certificate, intermediates, offline: true),
            },
        };
        var channel = GrpcChannel.ForAddress(parent.LinkAddress!, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _disposables.Add(channel);
        return new P.TierLink.TierLinkClient(channel);
    }

    /// <summary>A plaintext HTTP/2 client, as the links used to be.</summary>
    public P.TierLink.TierLinkClient Plaintext(EdgeTierHost parent)
    {
        var channel = GrpcChannel.ForAddress(new UriBuilder(parent.LinkAddress!) { Scheme = Uri.UriSchemeHttp }.Uri);
        _disposables.Add(channel);
        return new P.TierLink.TierLinkClient(channel);
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _disposables) d.Dispose();
        foreach (var host in new[] { StoreHost, RegionHost, Cloud })
            if (host is not null) await host.DisposeAsync();
        Refusals.Dispose();
        Directory.Delete(CertsDirectory, recursive: true);
    }
}

/// <summary>Adds up <c>orleans_edge_link_peers_refused</c> by reason, as a scrape would.</summary>
public sealed class RefusalCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _byReason = [];

    public RefusalCounter()
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == LinkTrust.MeterName && i.Name == "orleans_edge_link_peers_refused") l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "reason")
                    lock (_byReason) _byReason[(string)tag.Value!] = _byReason.GetValueOrDefault((string)tag.Value!) + value;
        });
        _listener.Start();
    }

    public long this[PeerRefusal reason] { get { lock (_byReason) return _byReason.GetValueOrDefault(reason.ToString()); } }

    public void Dispose() => _listener.Dispose();
}
