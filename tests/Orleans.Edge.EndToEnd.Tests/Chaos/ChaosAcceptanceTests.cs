using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Policies;
using Xunit.Abstractions;

namespace Orleans.Edge.EndToEnd.Tests.Chaos;

/// <summary>
/// The store-and-forward acceptance scenario: a region and two stores as separate silo processes
/// (the cloud in the test process; it is never killed), a fault proxy on every link, demo-like load
/// through the SDK; 20 random link cuts of 1–15 s, 3 SIGKILLs of a store process and 3 of the region
/// process, each restarted on its data directory. Afterwards nothing is lost on either link, every
/// alert a store raised is at the cloud once and in the store's order, and no event was applied twice.
/// Set EDGE_CHAOS_SEED to replay a run; the seed is printed.
/// </summary>
public sealed class ChaosAcceptanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Region = "chaos-r";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-chaos-").FullName;
    private readonly int _seed = int.TryParse(Environment.GetEnvironmentVariable("EDGE_CHAOS_SEED"), out var s) ? s : Random.Shared.Next();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, TierProcess> _processes = [];
    private readonly Dictionary<string, string> _args = [];
    private readonly List<StoreDriver> _drivers = [];
    private readonly List<FaultProxy> _proxies = [];
    private EdgeTierHost _cloud = null!;

    private void Log(string line) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {line}");

    public async Task InitializeAsync()
    {
        _cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), ConfigureServices = DevelopmentSigning.Shared.For(cloud: true),
            ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Error),   // resets and refusals are the point here
        });
        await _cloud.StartAsync();
    }

    [Fact]
    public async Task LinkCutsAndProcessKills_LoseNothing_AndDeliverEveryAlertOnce_InStoreOrder()
    {
        Log($"seed {_seed}");
        var rng = new Random(_seed);
        var regionProxy = Proxy(_cloud.LinkAddress!.Port);
        var (regionGateway, regionLink) = (FreePorts.Next(), FreePorts.Next());
        await Start(Region, $"--tier regional --id {Region} --parent {regionProxy.Address} --silo-port {FreePorts.Next()} " +
                            $"--gateway-port {regionGateway} --link-port {regionLink} --data-dir {Path.Combine(_dataDir, Region)}");
        var links = new Dictionary<string, FaultProxy> { [Region] = regionProxy };
        foreach (var id in new[] { "chaos-s1", "chaos-s2" })
        {
            links[id] = Proxy(regionLink);
            var gateway = FreePorts.Next();
            await Start(id, $"--tier store --id {id} --region {Region} --parent {links[id].Address} --silo-port {FreePorts.Next()} " +
                            $"--gateway-port {gateway} --data-dir {Path.Combine(_dataDir, id)}");
            var driver = new StoreDriver(id, gateway, rng.Next());
            await driver.ConnectAsync();
            await driver.ProvisionAsync();
            _drivers.Add(driver);
        }
        // Short summary windows, so summaries cross the links all through the drill.
        await _cloud.Grains.GetGrain<IPolicyGrain>(EdgeNames.CloudKey)
            .SetPolicy(PolicyScope.Global, ReplenishmentPolicy.Default with { SummaryWindow = TimeSpan.FromSeconds(3) });

        using var load = new CancellationTokenSource();
        var loadTasks = _drivers.Select(d => d.RunAsync(load.Token)).ToList();
        var cuts = CutLinks(links, count: 20, rng);
        var kills = KillProcesses(stores: 3, regions: 3, rng);
        await Task.WhenAll(cuts, kills);
        var faultsOver = _clock.Elapsed;
        Log("drill over; load stops in 2 s");
        await Task.Delay(2000);
        await load.CancelAsync();
        await Task.WhenAll(loadTasks);

        await using var region = await ClusterConnection.ConnectAsync($"region-{Region}", regionGateway);
        var drained = await WaitForDrain(region);
        Log($"drained {(_clock.Elapsed - faultsOver).TotalSeconds:F1} s after the last fault ended");
        Assert.True(drained, "every outbox should drain once the links are back");
        await Verify(region);
    }

    private FaultProxy Proxy(int target)
    {
        var proxy = new FaultProxy(target);
        _proxies.Add(proxy);
        return proxy;
    }

    private async Task Start(string id, string args)
    {
        _args[id] = args;
        _processes[id] = await TierProcess.StartAsync(args);
    }

    /// <summary>Spreads <paramref name="count"/> cuts of 1–15 s over the links, one at a time per link, in parallel across links.</summary>
    private Task CutLinks(Dictionary<string, FaultProxy> links, int count, Random rng)
    {
        var plan = Enumerable.Range(0, count).Select(i => (Link: links.Keys.ElementAt(i % links.Count),
            Gap: TimeSpan.FromSeconds(0.5 + 1.5 * rng.NextDouble()), Length: TimeSpan.FromSeconds(1 + 14 * rng.NextDouble()))).ToList();
        return Task.WhenAll(plan.GroupBy(p => p.Link).Select(async cutsOfLink =>
        {
            foreach (var (link, gap, length) in cutsOfLink)
            {
                await Task.Delay(gap);
                links[link].Cut();
                Log($"cut {link} for {length.TotalSeconds:F1} s");
                await Task.Delay(length);
                links[link].Restore();
            }
        }));
    }

    private async Task KillProcesses(int stores, int regions, Random rng)
    {
        var victims = Enumerable.Repeat(Region, regions)
            .Concat(Enumerable.Range(0, stores).Select(_ => _drivers[rng.Next(_drivers.Count)].StoreId))
            .OrderBy(_ => rng.Next()).ToList();
        foreach (var id in victims)
        {
            await Task.Delay(TimeSpan.FromSeconds(4 + 5 * rng.NextDouble()));
            _processes[id].Kill();
            Log($"SIGKILL {id}");
            await Task.Delay(TimeSpan.FromSeconds(0.5 + 1.5 * rng.NextDouble()));
            await _processes[id].DisposeAsync();
            _processes[id] = await TierProcess.StartAsync(_args[id]);
            Log($"restarted {id}");
            if (_drivers.Find(d => d.StoreId == id) is { } driver) await driver.ConnectAsync();
        }
    }

    private async Task<bool> WaitForDrain(ClusterConnection region)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            var stores = await Task.WhenAll(_drivers.Select(d => d.StatusAsync()));
            var regionStatus = await region.Grains.GetGrain<IUplinkStatusGrain>(0).GetStatus();
            if (stores.All(s => s.QueuedEvents == 0) && regionStatus!.QueuedEvents == 0) return true;
            await Task.Delay(200);
        }
        return false;
    }

    private async Task Verify(ClusterConnection region)
    {
        var fleet = _cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
        var aggregator = region.Grains.GetGrain<IRegionAggregatorGrain>(Region);

        // Store → region: every event a store ever numbered is in the region's log, or counted as evicted.
        foreach (var driver in _drivers)
        {
            // A store keeps producing after the load stops (a summary window closing, a reported state),
            // so read a settled picture: the store produced nothing new while its region's log and view were read.
            var inbox = region.Grains.GetGrain<ILinkInboxGrain>(driver.StoreId);
            var settled = await Eventually.Get(async () =>
            {
                var before = await driver.StatusAsync();
                var accepted = await inbox.GetAccepted();
                var received = (await aggregator.GetStores()).Single(v => v.StoreId == driver.StoreId).EventsReceived;
                var after = await driver.StatusAsync();
                return (Status: after, Accepted: accepted, Received: received, Quiet: before.QueuedEvents == 0 && before.EventsProduced == after.EventsProduced);
            }, p => p.Quiet && p.Received >= p.Accepted, $"a settled picture of {driver.StoreId} and its region", TimeSpan.FromSeconds(30));
            var (status, evicted) = (settled.Status, settled.Status.Evicted.Values.Sum());
            Log($"{driver.StoreId}: produced {status.EventsProduced}, delivered {settled.Accepted}, applied {settled.Received}, evicted {evicted}, " +
                $"readings {driver.Accepted}, batches refused while down {driver.FailedBatches}");
            Assert.Equal(status.EventsProduced, settled.Accepted + evicted);
            Assert.DoesNotContain(status.Evicted.Keys, k => k.StartsWith("Alert", StringComparison.Ordinal));
            // No event was applied twice by the region: what its view counted is what its log accepted.
            Assert.Equal(settled.Accepted, settled.Received);
        }

        // Region → cloud: the same, and the cloud applied each accepted event once. The region summarises
        // every window, so again read a settled picture.
        var regionUplink = region.Grains.GetGrain<IUplinkStatusGrain>(0);
        var cloudSide = await Eventually.Get(async () =>
        {
            var before = (await regionUplink.GetStatus())!;
            var accepted = await _cloud.Grains.GetGrain<ILinkInboxGrain>(Region).GetAccepted();
            var applied = (await fleet.GetEventsApplied()).GetValueOrDefault(Region);
            var after = (await regionUplink.GetStatus())!;
            return (Status: after, Accepted: accepted, Applied: applied, Quiet: before.QueuedEvents == 0 && before.EventsProduced == after.EventsProduced);
        }, p => p.Quiet && p.Applied >= p.Accepted, "a settled picture of the region and the cloud", TimeSpan.FromSeconds(30));
        var (regionStatus, cloudAccepted) = (cloudSide.Status, cloudSide.Accepted);
        Log($"{Region}: produced {regionStatus.EventsProduced}, delivered {cloudAccepted}, applied {cloudSide.Applied}, evicted {regionStatus.Evicted.Values.Sum()}");
        Assert.Equal(regionStatus.EventsProduced, cloudAccepted + regionStatus.Evicted.Values.Sum());
        Assert.Equal(cloudAccepted, cloudSide.Applied);

        // Every alert raised at a store is at the cloud once, in the store's order, in the same state.
        var stats = await fleet.GetAlertStats();
        var view = await fleet.GetView();
        Log($"cloud: {stats.UniqueAlertsRaised} alerts, {stats.UniqueRevisions} revisions, {stats.ReplayedForwards} repeated forwards dropped, " +
            $"{stats.DuplicateRevisions} duplicate revisions dropped, {stats.OutOfOrderForwards} out of order");
        Assert.Equal(0, stats.OutOfOrderForwards);
        foreach (var driver in _drivers)
        {
            await using var store = await ClusterConnection.ConnectAsync($"store-{driver.StoreId}", GatewayOf(driver.StoreId));
            var raised = (await store.Grains.GetGrain<IStoreGrain>(driver.StoreId).GetAlertStats()).AlertsRaised;
            Assert.True(raised > 0, $"{driver.StoreId} should have raised alerts under the load");
            Assert.Equal(raised, view.Stores.Single(s => s.StoreId == driver.StoreId).AlertsRaised);
            var open = (await driver.Client.GetOpenAlertsAsync()).Select(a => (a.AlertId, a.Revision)).Order();
            Assert.Equal(open, view.OpenAlerts.Where(a => a.StoreId.Value == driver.StoreId).Select(a => (a.AlertId, a.Revision)).Order());
        }
    }

    private int GatewayOf(string id)
    {
        var args = _args[id].Split(' ');
        return int.Parse(args[Array.IndexOf(args, "--gateway-port") + 1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        foreach (var driver in _drivers) await driver.DisposeAsync();
        foreach (var process in _processes.Values) await process.DisposeAsync();
        foreach (var proxy in _proxies) await proxy.DisposeAsync();
        await _cloud.StopAsync();
        await _cloud.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
