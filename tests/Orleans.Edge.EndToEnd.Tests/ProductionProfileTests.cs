using Orleans.Edge.Client;
using Orleans.Edge.EndToEnd.Tests.Chaos;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Policies;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// The production profile on a real redis-server: membership, grain state and outboxes in Redis.
/// A store and a region, as silo processes, are SIGKILLed and restarted with no data directory:
/// shelves, alerts, the applied policy version and the region's view all come back from Redis.
/// </summary>
public sealed class ProductionProfileTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly List<TierProcess> _processes = [];
    private EdgeTierHost? _cloud;

    public Task InitializeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task StoreAndRegionKilledAndRestarted_ComeBackFromRedis_WithShelvesAlertsPoliciesAndViews()
    {
        Skip.If(redis.Problem is not null, redis.Problem);
        _cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), RedisConfiguration = redis.Configuration,
            Trust = { CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Cloud), SignerDirectory = ChildLinks.SignerOf() },
        });
        await _cloud.StartAsync();
        var regionLink = FreePorts.Next();
        var regionGateway = FreePorts.Next();
        var storeGateway = FreePorts.Next();
        var regionArgs = $"--tier regional --id prod-r --parent {_cloud.LinkAddress} --silo-port {FreePorts.Next()} --gateway-port {regionGateway} " +
                         $"--link-port {regionLink} --redis {redis.Configuration} --certs {ChildLinks.CertificatesOf(EdgeIdentity.Region("prod-r"))}";
        var storeArgs = $"--tier store --id prod-s1 --region prod-r --parent https://127.0.0.1:{regionLink} --silo-port {FreePorts.Next()} " +
                        $"--gateway-port {storeGateway} --redis {redis.Configuration} --certs {ChildLinks.CertificatesOf(EdgeIdentity.Store("prod-r", "prod-s1"))}";
        var region = await Start(regionArgs);
        var store = await Start(storeArgs);

        var policy = await _cloud.Grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey)
            .SetPolicy(PolicyScope.Global, ReplenishmentPolicy.Default with { LowStockThresholdUnits = 4, LowStockThresholdFraction = null });
        string[] alerts;
        await using (var client = await EdgeStoreClient.ConnectAsync(StoreApp(storeGateway)))
        {
            var (shelf, cell) = await FleetFixture.NewShelf(client, "prod-shelf");
            await Eventually.Get(() => client.GetShelfAsync(shelf.Value), s => s.PolicyVersion == policy.Document!.Version, "the policy at the shelf", TimeSpan.FromSeconds(20));
            await FleetFixture.Put(client, cell, 3);
            alerts = [.. (await client.GetOpenAlertsAsync()).Select(a => a.AlertId)];
            Assert.NotEmpty(alerts);
        }
        var fleet = _cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        await Eventually.Get(fleet.GetView, v => alerts.All(id => v.OpenAlerts.Any(a => a.AlertId == id)), "the alerts at the cloud", TimeSpan.FromSeconds(20));

        store.Kill();
        region.Kill();
        _processes.Clear();
        await Start(regionArgs);
        await Start(storeArgs);

        await using (var client = await EdgeStoreClient.ConnectAsync(StoreApp(storeGateway)))
        {
            var shelf = await client.GetShelfAsync("prod-shelf");
            Assert.Equal(500, shelf.Planogram.TareGrams);
            Assert.Equal(policy.Document!.Version, shelf.PolicyVersion);
            Assert.Equal(4, shelf.ThresholdUnits);
            Assert.Equal(alerts.Order(), (await client.GetOpenAlertsAsync()).Select(a => a.AlertId).Order());
        }
        await using var regionClient = await ClusterConnection.ConnectAsync("region-prod-r", regionGateway, ChildLinks.CertificatesOf(EdgeIdentity.Region("prod-r")));
        var view = await regionClient.Grains.GetGrain<IRegionAggregatorGrain>("prod-r").GetStores();
        Assert.Equal(alerts.Order(), view.Single(s => s.StoreId == "prod-s1").OpenAlerts.Select(a => a.AlertId).Order());
        Assert.Equal(0, (await fleet.GetAlertStats()).DuplicateRevisions);
    }

    [SkippableFact]
    public async Task OpsEndpoints_AreHttpsWithTheNodesCertificate_AndMetricsAndDashboardAskForTheConfiguredCredentials()
    {
        Skip.If(redis.Problem is not null, redis.Problem);
        var opsPort = FreePorts.Next();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "prod-ops-r", ParentAddress = new Uri($"https://127.0.0.1:{FreePorts.Next()}"), SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(),
            LinkPort = FreePorts.Next(), OpsPort = opsPort, RedisConfiguration = redis.Configuration, DashboardUser = "prom", DashboardPassword = "scrape-me",
            Trust = { CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Region("prod-ops-r")) },
        });
        await region.StartAsync();
        Assert.Equal(new Uri($"https://127.0.0.1:{opsPort}"), region.OpsAddress);

        // Like a Kubernetes probe or a scraper with insecure_skip_verify: no validation, but the test checks which certificate was served.
        string? served = null;
        using var http = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                served = certificate is null ? null : Trust.SpiffeSan.Read(certificate).Identity?.ToString();
                return true;
            },
        });
        Task<HttpResponseMessage> Get(string path, string? login)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(region.OpsAddress!, path));
            if (login is not null)
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(login)));
            return http.SendAsync(request);
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await Get("/healthz", null)).StatusCode);
        Assert.Equal("spiffe://edge.local/region/prod-ops-r", served);
        foreach (var path in new[] { "/metrics", "/dashboard/" })
        {
            var refused = await Get(path, null);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Basic", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await Get(path, "prom:wrong")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await Get(path, "prom:scrape-me")).StatusCode);
        }
        Assert.Contains("orleans_edge_ops_requests_refused_total", await (await Get("/metrics", "prom:scrape-me")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(region.OpsCredentials!.File);
        await region.StopAsync();
    }

    /// <summary>The store app's options: the store's gateway speaks mutual TLS, so the app holds a certificate of the store.</summary>
    private static StoreClientOptions StoreApp(int gateway)
    {
        var options = new StoreClientOptions { StoreId = "prod-s1", CertificateDirectory = ChildLinks.CertificatesOf(EdgeIdentity.Store("prod-r", "prod-s1")) };
        options.Gateways.Add($"127.0.0.1:{gateway}");
        return options;
    }

    private async Task<TierProcess> Start(string args)
    {
        var process = await TierProcess.StartAsync(args);
        _processes.Add(process);
        return process;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        if (_cloud is not null)
        {
            await _cloud.StopAsync();
            await _cloud.DisposeAsync();
        }
    }
}
