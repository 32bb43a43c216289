using Orleans.Edge.TierLink.Parent;
using Orleans.Edge.TierLink.Child;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Hosting;

namespace Orleans.Edge.Simulation;

/// <summary>What <see cref="LocalFleet"/> starts.</summary>
public sealed class LocalFleetOptions
{
    /// <summary>Regions.</summary>
    public int Regions { get; set; } = 2;

    /// <summary>Stores per region.</summary>
    public int StoresPerRegion { get; set; } = 3;

    /// <summary>Regional summary window.</summary>
    public TimeSpan RegionSummaryWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Logging of every silo (default: warnings and worse).</summary>
    public Action<ILoggingBuilder> ConfigureLogging { get; set; } = l => l.SetMinimumLevel(LogLevel.Warning);

    /// <summary>Where each cluster keeps its state and outbox (a folder per cluster); null keeps everything in memory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Put a <see cref="FaultProxy"/> in every tier link (store → region, region → cloud), so a
    /// chaos drill can cut, blackhole, reset or slow each link on its own.
    /// </summary>
    public bool FaultProxies { get; set; }

    /// <summary>Further settings of the stores' links to their regions (timeouts, backoff, flush on stop).</summary>
    public Action<TierLink.Child.TierLinkClientOptions>? ConfigureStoreLinks { get; set; }

    /// <summary>Further store settings.</summary>
    public Action<Store.StoreOptions>? ConfigureStore { get; set; }

    /// <summary>Problems with these options; empty when valid.</summary>
    /// <summary>Last changes to each cluster's services, by cluster id ("cloud", a region or a store): fault injection, option overrides.</summary>
    public Action<string, Microsoft.Extensions.DependencyInjection.IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>
    /// Other document-signing keys for the fleet (the cloud signs with its signer, regions and stores trust its root).
    /// Default: none here, so each tier uses what its trust settings give (development certificates: the signer
    /// beside the development CA, which every node trusts).
    /// </summary>
    public DevelopmentSigning? Signing { get; set; }

    /// <summary>Every cluster's trust settings (default: development certificates, mutual TLS on every link).</summary>
    public TrustSettings? Trust { get; set; }

    /// <summary>The services hook of cluster <paramref name="id"/>: the fleet's signing keys, then <see cref="ConfigureServices"/>.</summary>
    internal Action<Microsoft.Extensions.DependencyInjection.IServiceCollection> ServicesOf(string id, DevelopmentSigning? signing) => services =>
    {
        signing?.AddTo(services, cloud: id == LocalFleet.CloudId);
        ConfigureServices?.Invoke(id, services);
    };

    public IEnumerable<string> Problems()
    {
        if (Regions is < 1 or > 50) yield return $"regions must be 1–50, got {Regions}";
        if (StoresPerRegion is < 1 or > 100) yield return $"stores per region must be 1–100, got {StoresPerRegion}";
    }

    /// <summary>Id of region <paramref name="r"/> (1-based).</summary>
    public static string RegionName(int r) => $"r{r}";

    /// <summary>Id of store <paramref name="s"/> of region <paramref name="r"/> (1-based).</summary>
    public static string StoreName(int r, int s) => $"r{r}-s{s}";
}

/// <summary>
/// The cloud, its regions and their stores, each a separate Orleans cluster on its own loopback
/// ports, joined by real gRPC tier links: the demo's and the end-to-end tests' fleet. Any store or
/// region can be crashed and restarted on its ports and data directory, and with
/// <see cref="LocalFleetOptions.FaultProxies"/> every link can be broken on its own.
/// </summary>
public sealed class LocalFleet : IAsyncDisposable
{
    private readonly Dictionary<string, EdgeTierHost> _current = new(StringComparer.Ordinal);
    private readonly List<EdgeTierHost> _retired = [];
    private readonly Dictionary<string, FaultProxy> _proxies = new(StringComparer.Ordinal);
    private readonly List<string> _regionIds = [];
    private readonly List<string> _storeIds = [];

    /// <summary>The cloud's id in <see cref="LocalFleetOptions.ConfigureServices"/>.</summary>
    public const string CloudId = "cloud";

    private LocalFleet(EdgeTierHost cloud) => Cloud = cloud;

    /// <summary>The cloud cluster.</summary>
    public EdgeTierHost Cloud { get; }

    /// <summary>Regional clusters (the current life of each).</summary>
    public IReadOnlyList<EdgeTierHost> Regions { get { lock (_current) return [.. _regionIds.Select(id => _current[id])]; } }

    /// <summary>Store clusters (the current life of each).</summary>
    public IReadOnlyList<EdgeTierHost> Stores { get { lock (_current) return [.. _storeIds.Select(id => _current[id])]; } }

    /// <summary>Every cluster: cloud, regions, stores.</summary>
    public IEnumerable<EdgeTierHost> All => [Cloud, .. Regions, .. Stores];

    /// <summary>The current life of the store or region <paramref name="id"/>.</summary>
    public EdgeTierHost this[string id] { get { lock (_current) return _current[id]; } }

    /// <summary>Every life of <paramref name="id"/>, the crashed ones first and the current one last.</summary>
    public IReadOnlyList<EdgeTierHost> LivesOf(string id)
    {
        lock (_current) return [.. _retired.Where(h => h.Id == id), _current[id]];
    }

    /// <summary>The fault proxy on the link from <paramref name="childId"/> to its parent, if the fleet has them.</summary>
    public FaultProxy? LinkOf(string childId) => _proxies.GetValueOrDefault(childId);

    /// <summary>The parent of a store (its region) or of a region (the cloud).</summary>
    public EdgeTierHost ParentOf(EdgeTierHost child) =>
        child.Settings is StoreTierSettings store ? this[store.RegionId] : Cloud;

    /// <summary>Starts the cloud, then the regions, then the stores.</summary>
    public static async Task<LocalFleet> StartAsync(LocalFleetOptions options, CancellationToken cancellationToken = default)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));

        var signing = options.Signing;
        var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), ConfigureLogging = options.ConfigureLogging,
            DataDirectory = DataFor(options, "cloud"), ConfigureServices = options.ServicesOf(CloudId, signing), Trust = options.Trust ?? new(),
        });
        await cloud.StartAsync(cancellationToken);
        var fleet = new LocalFleet(cloud);

        var regions = Enumerable.Range(1, options.Regions).Select(r =>
        {
            var id = LocalFleetOptions.RegionName(r);
            return fleet.Add(EdgeTierHost.CreateRegion(new RegionalTierSettings
            {
                RegionId = id, ParentAddress = fleet.Dial(options, id, cloud), SiloPort = FreePorts.Next(),
                GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), SummaryWindow = options.RegionSummaryWindow,
                ConfigureLogging = options.ConfigureLogging, DataDirectory = DataFor(options, $"region-{id}"), ConfigureServices = options.ServicesOf(id, signing),
                Trust = options.Trust ?? new(),
            }));
        }).ToList();
        await Task.WhenAll(regions.Select(r => r.StartAsync(cancellationToken)));

        var stores = regions.SelectMany((region, r) => Enumerable.Range(1, options.StoresPerRegion).Select(s =>
        {
            var id = LocalFleetOptions.StoreName(r + 1, s);
            return fleet.Add(EdgeTierHost.CreateStore(new StoreTierSettings
            {
                StoreId = id, RegionId = region.Id, ParentAddress = fleet.Dial(options, id, region),
                SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), ConfigureLogging = options.ConfigureLogging,
                ConfigureStore = options.ConfigureStore, ConfigureLink = options.ConfigureStoreLinks, DataDirectory = DataFor(options, $"store-{id}"),
                ConfigureServices = options.ServicesOf(id, signing), Trust = options.Trust ?? new(),
            }));
        })).ToList();
        await Task.WhenAll(stores.Select(s => s.StartAsync(cancellationToken)));
        return fleet;
    }

    /// <summary>Crashes the store or region <paramref name="id"/> (see <see cref="EdgeTierHost.CrashAsync"/>).</summary>
    public Task CrashAsync(string id) => this[id].CrashAsync();

    /// <summary>Starts a new life of the store or region <paramref name="id"/> on the same ports and data directory.</summary>
    public async Task<EdgeTierHost> RestartAsync(string id, CancellationToken cancellationToken = default)
    {
        var old = this[id];
        if (old.IsRunning) throw new InvalidOperationException($"'{id}' is running; crash or stop it first");
        var next = old.Settings switch
        {
            StoreTierSettings s => EdgeTierHost.CreateStore(s),
            RegionalTierSettings r => EdgeTierHost.CreateRegion(r),
            _ => throw new InvalidOperationException($"'{id}' is the cloud, which a drill does not restart"),
        };
        await next.StartAsync(cancellationToken);
        lock (_current)
        {
            _retired.Add(old);
            _current[id] = next;
        }
        return next;
    }

    private EdgeTierHost Add(EdgeTierHost host)
    {
        lock (_current)
        {
            _current[host.Id] = host;
            (host.Tier == EdgeTier.Store ? _storeIds : _regionIds).Add(host.Id);
        }
        return host;
    }

    private Uri Dial(LocalFleetOptions options, string child, EdgeTierHost parent)
    {
        if (!options.FaultProxies) return parent.LinkAddress!;
        var proxy = new FaultProxy(parent.LinkAddress!.Port, parent.LinkAddress.Scheme);
        _proxies[child] = proxy;
        return proxy.Address;
    }

    private static string? DataFor(LocalFleetOptions options, string cluster) =>
        options.DataDirectory is { } root ? Path.Combine(root, cluster) : null;

    /// <summary>Stops the stores, then the regions, then the cloud.</summary>
    public async Task StopAsync()
    {
        await Task.WhenAll(Stores.Where(s => s.IsRunning).Select(s => s.StopAsync()));
        await Task.WhenAll(Regions.Where(r => r.IsRunning).Select(r => r.StopAsync()));
        await Cloud.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var host in All.Reverse()) await host.DisposeAsync();
        foreach (var proxy in _proxies.Values) await proxy.DisposeAsync();
    }
}
