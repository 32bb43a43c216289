using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Orleans.Edge.Client;
using Orleans.Edge.Hosting;
using Orleans.Edge.Hosting.Ops;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.EndToEnd.Tests;

/// <summary>
/// Every tier, run as the silo executable, answers /healthz and /readyz to anyone and /metrics and
/// /dashboard only with its credentials (configured, or generated on first start); the store's
/// orleans_edge_* series exist and move; a store stays ready with its uplink down.
/// </summary>
public sealed class OpsEndpointsTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-ops-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<TierProcess> _processes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task EveryTier_AnswersHealthReadinessMetricsAndDashboard_AndTheStoresSeriesMove()
    {
        var (cloudLink, regionLink, storeGateway) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var (cloudOps, regionOps, storeOps) = (Ops(), Ops(), Ops());
        var cloud = await Start($"--tier cloud --silo-port {FreePorts.Next()} --gateway-port {FreePorts.Next()} --link-port {cloudLink} --ops-port {cloudOps.Port}");
        var region = await Start($"--tier regional --id ops-r --parent https://127.0.0.1:{cloudLink} --silo-port {FreePorts.Next()} " +
                                 $"--gateway-port {FreePorts.Next()} --link-port {regionLink} --ops-port {regionOps.Port}");
        var store = await Start($"--tier store --id ops-s1 --region ops-r --parent https://127.0.0.1:{regionLink} --silo-port {FreePorts.Next()} " +
                    $"--gateway-port {storeGateway} --ops-port {storeOps.Port} --data-dir {_dataDir} --Edge:DashboardUser ops --Edge:DashboardPassword s3cret");

        // The embedded profile without configured credentials makes them on first start, beside the development certificates.
        var generated = OpsCredentials.LoadOrCreate(OpsCredentials.FileOf(new CloudTierSettings()));
        var (cloudLogin, storeLogin) = ($"{generated.User}:{generated.Password}", "ops:s3cret");
        foreach (var (ops, login) in new[] { (cloudOps, cloudLogin), (regionOps, cloudLogin), (storeOps, storeLogin) })
        {
            // The probes stay open; /metrics and /dashboard ask for credentials.
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(ops, "/healthz"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, await Eventually.Get(async () => (await _http.GetAsync(new Uri(ops, "/readyz"))).StatusCode,
                s => s == HttpStatusCode.OK, $"{ops} ready"));
            foreach (var path in new[] { "/metrics", "/dashboard/" })
            {
                var refused = await Get(ops, path, null);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal("Basic", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
                Assert.Equal(HttpStatusCode.Unauthorized, (await Get(ops, path, login + "x")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await Get(ops, path, login)).StatusCode);
            }
            Assert.Contains("orleans_", await (await Get(ops, "/metrics", login)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // Configured credentials replace the generated ones.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(storeOps, "/dashboard/", cloudLogin)).StatusCode);
        // The dashboard's page must not label this project's grains (Orleans.Edge.*) "System Grain";
        // the bundle that carries the label is behind the credentials too.
        var bundle = await (await Get(cloudOps, "/dashboard/index.min.js", cloudLogin)).Content.ReadAsStringAsync();
        Assert.Contains("!e.grainType.startsWith(`Orleans.Edge.`)", bundle, StringComparison.Ordinal);
        Assert.DoesNotContain(",n=e.grainType.startsWith(`Orleans.`),", bundle, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(storeOps, "/dashboard/index.min.js", null)).StatusCode);
        // Refusals are counted, and the start-up block says where the generated password is.
        Assert.True((await Scrape(storeOps)).Value("orleans_edge_ops_requests_refused_total") >= 5);
        Assert.Contains(cloud.Output, l => l.Contains($"ops       /metrics and /dashboard ask for user ops, password in {generated.File}", StringComparison.Ordinal));
        Assert.Contains(store.Output, l => l.Contains("ops       /metrics and /dashboard ask for user ops (Edge:DashboardUser/DashboardPassword)", StringComparison.Ordinal));

        // The store's own series exist once it works, and move when it works more.
        await using var client = await EdgeStoreClient.ConnectAsync("ops-s1", $"127.0.0.1:{storeGateway}");
        var (_, cell) = await FleetFixture.NewShelf(client, "ops-shelf");
        await FleetFixture.Put(client, cell, 9);
        await FleetFixture.Put(client, cell, 1);   // low stock
        var first = await Eventually.Get(() => Scrape(storeOps), m => m.Value("orleans_edge_link_events_acked_total") >= 2, "events acked");
        foreach (var series in new[]
        {
            "orleans_edge_readings_processed_total", "orleans_edge_reading_processing_ms", "orleans_edge_alerts_raised_total",
            "orleans_edge_uplink_wire_bytes_total", "orleans_edge_readings_raw_bytes_total", "orleans_edge_outbox_events",
            "orleans_edge_outbox_oldest_age_seconds", "orleans_edge_link_connected", "orleans_edge_config_version_applied",
            "orleans_edge_inference_hardware_info", "orleans_edge_inference_frame_hz_per_camera",
        })
            Assert.True(first.Has(series), $"/metrics of the store has no {series}:\n{first.Text}");
        Assert.Equal(1, first.Value("orleans_edge_link_connected"));
        Assert.Contains("sensor_type=\"load_cell\"", first.Text, StringComparison.Ordinal);
        Assert.Contains("type=\"LowStock\"", first.Text, StringComparison.Ordinal);

        for (var i = 0; i < 5; i++) await FleetFixture.Put(client, cell, 1);
        var later = await Eventually.Get(() => Scrape(storeOps),
            m => m.Value("orleans_edge_readings_processed_total") >= first.Value("orleans_edge_readings_processed_total") + 5, "the readings counter to move");
        Assert.True(later.Value("orleans_edge_readings_raw_bytes_total") > first.Value("orleans_edge_readings_raw_bytes_total"));

        // A store is ready while its uplink is down.
        region.Kill();   // nothing is queued: the idle uplink must notice on its own
        await Eventually.Get(() => Scrape(storeOps), m => m.Value("orleans_edge_link_connected") == 0, "the idle store to notice its uplink is down", TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(storeOps, "/readyz"))).StatusCode);
    }

    private static Uri Ops() => new($"http://127.0.0.1:{FreePorts.Next()}");

    private async Task<TierProcess> Start(string args)
    {
        var process = await TierProcess.StartAsync(args);
        _processes.Add(process);
        return process;
    }

    private Task<HttpResponseMessage> Get(Uri ops, string path, string? credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ops, path));
        if (credentials is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return _http.SendAsync(request);
    }

    private async Task<Scraped> Scrape(Uri ops)
    {
        using var response = await Get(ops, "/metrics", "ops:s3cret");
        return new(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
    }

    /// <summary>A Prometheus text exposition, summed per metric name over its labels.</summary>
    private sealed record Scraped(string Text)
    {
        private IEnumerable<(string Name, double Value)> Samples => Text.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => (Name: l[..l.IndexOfAny([' ', '{'])], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));

        public bool Has(string prefix) => Samples.Any(s => s.Name.StartsWith(prefix, StringComparison.Ordinal));

        public double Value(string name) => Samples.Where(s => s.Name == name).Sum(s => s.Value);
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        _http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
