using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Edge.Client;
using Orleans.Edge.EndToEnd.Tests.Chaos;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Trust;
using Orleans.Runtime;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The production profile's own Orleans connections are mutual TLS with the cluster's certificate
/// (docs/trust.md, "Inside a cluster"), on a real redis-server: a silo holding another cluster's
/// certificate, or one of another CA, cannot join; one with the cluster's certificate can. A store
/// app reaches the gateway only with a certificate of that store.
/// </summary>
public sealed class ClusterTlsTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private const string Region = "ctls-r";
    private readonly List<EdgeTierHost> _hosts = [];
    private readonly string _otherCa = Directory.CreateTempSubdirectory("edge-other-ca-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task SiloWithAnotherClustersOrAnotherCAsCertificate_CannotJoin_OneWithTheClustersCertificateCan()
    {
        Skip.If(redis.Problem is not null, redis.Problem);
        var first = await StartStore("ctls-s1");
        var ownCertificates = ChildLinks.CertificatesOf(EdgeIdentity.Store(Region, "ctls-s1"));
        var otherCluster = ChildLinks.CertificatesOf(EdgeIdentity.Store(Region, "ctls-s9"));
        var otherCa = await DevelopmentCertificates.EnsureAsync(_otherCa, NodeIdentity.From(TrustSettings.DefaultTrustDomain, EdgeIdentity.Store(Region, "ctls-s1")));

        foreach (var intruder in new[] { otherCluster, otherCa })
        {
            // Its tier links and its Orleans connections use the foreign credentials (ConfigureServices comes last).
            var start = StartStore("ctls-s1", services =>
            {
                services.AddSingleton(_ => new CertificateFileSource(intruder));
                // The cluster declares the intruder dead; Orleans' default answer ends the process, which here runs the tests.
                services.Replace(ServiceDescriptor.Singleton<IFatalErrorHandler, KeepTheTestProcess>());
            });
            await Assert.ThrowsAnyAsync<Exception>(() => start);
            Assert.Equal(1, ActiveSilos(first));
        }

        await StartStore("ctls-s1", services => services.AddSingleton(_ => new CertificateFileSource(ownCertificates)));
        await Eventually.Get(() => Task.FromResult(ActiveSilos(first)), n => n == 2, "the second silo active in the cluster", TimeSpan.FromSeconds(30));
    }

    [SkippableFact]
    public async Task StoreApp_ReachesTheGateway_OnlyWithACertificateOfThatStore()
    {
        Skip.If(redis.Problem is not null, redis.Problem);
        var store = await StartStore("ctls-s2");
        var gateway = $"127.0.0.1:{store.Settings.GatewayPort}";
        StoreClientOptions Options(string? certificates)
        {
            var options = new StoreClientOptions { StoreId = "ctls-s2", CertificateDirectory = certificates, ConnectTimeout = TimeSpan.FromSeconds(5) };
            options.Gateways.Add(gateway);
            return options;
        }

        // Without a certificate the gateway ends the handshake.
        await Assert.ThrowsAnyAsync<EdgeClientException>(() => EdgeStoreClient.ConnectAsync(Options(null)));
        // The SDK refuses another store's certificate before dialling...
        var otherStore = ChildLinks.CertificatesOf(EdgeIdentity.Store(Region, "ctls-s3"));
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => EdgeStoreClient.ConnectAsync(Options(otherStore)));
        Assert.Contains("not of store 'ctls-s2'", refused.Message, StringComparison.Ordinal);
        // ...and the gateway refuses it from a client that presents it anyway.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await Assert.ThrowsAnyAsync<Exception>(() => ClusterConnection.ConnectAsync("store-ctls-s2", store.Settings.GatewayPort, otherStore).WaitAsync(timeout.Token));

        await using var app = await EdgeStoreClient.ConnectAsync(Options(ChildLinks.CertificatesOf(EdgeIdentity.Store(Region, "ctls-s2"))));
        Assert.Empty(await app.GetOpenAlertsAsync());
    }

    private sealed class KeepTheTestProcess : IFatalErrorHandler
    {
        public bool IsUnexpected(Exception exception) => true;

        public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null) { }
    }

    private static int ActiveSilos(EdgeTierHost host) =>
        host.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);

    private async Task<EdgeTierHost> StartStore(string storeId, Action<IServiceCollection>? services = null)
    {
        var host = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = storeId, RegionId = Region, ParentAddress = new Uri($"https://127.0.0.1:{FreePorts.Next()}"),
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), RedisConfiguration = redis.Configuration,
            Trust = { CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Store(Region, storeId)) },
            ConfigureServices = s =>
            {
                // A silo that cannot reach the cluster's silos gives up joining after this, not after Orleans' 5 minutes.
                s.Configure<ClusterMembershipOptions>(o => o.MaxJoinAttemptTime = TimeSpan.FromSeconds(8));
                services?.Invoke(s);
            },
        });
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts)) await host.DisposeAsync();
        Directory.Delete(_otherCa, recursive: true);
    }
}
