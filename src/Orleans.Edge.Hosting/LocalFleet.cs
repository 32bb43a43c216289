using Microsoft.Extensions.Logging;

namespace Orleans.Edge.Hosting;

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

    /// <summary>Further store settings.</summary>
    public Action<Store.StoreOptions>? ConfigureStore { get; set; }

    /// <summary>Problems with these options; empty when valid.</summary>
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
/// ports, joined by real gRPC tier links: the demo's and the end-to-end tests' fleet.
/// </summary>
public sealed class LocalFleet : IAsyncDisposable
{
    private LocalFleet(EdgeTierHost cloud, IReadOnlyList<EdgeTierHost> regions, IReadOnlyList<EdgeTierHost> stores)
    {
        Cloud = cloud;
        Regions = regions;
        Stores = stores;
    }

    /// <summary>The cloud cluster.</summary>
    public EdgeTierHost Cloud { get; }

    /// <summary>Regional clusters.</summary>
    public IReadOnlyList<EdgeTierHost> Regions { get; }

    /// <summary>Store clusters.</summary>
    public IReadOnlyList<EdgeTierHost> Stores { get; }

    /// <summary>Every cluster: cloud, regions, stores.</summary>
    public IEnumerable<EdgeTierHost> All => [Cloud, .. Regions, .. Stores];

    /// <summary>Starts the cloud, then the regions, then the stores.</summary>
    public static async Task<LocalFleet> StartAsync(LocalFleetOptions options, CancellationToken cancellationToken = default)
    {
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));

        var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), ConfigureLogging = options.ConfigureLogging,
            DataDirectory = DataFor(options, "cloud"),
        });
        await cloud.StartAsync(cancellationToken);

        var regions = Enumerable.Range(1, options.Regions).Select(r => EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = LocalFleetOptions.RegionName(r), ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), SummaryWindow = options.RegionSummaryWindow,
            ConfigureLogging = options.ConfigureLogging, DataDirectory = DataFor(options, $"region-{LocalFleetOptions.RegionName(r)}"),
        })).ToList();
        await Task.WhenAll(regions.Select(r => r.StartAsync(cancellationToken)));

        var stores = regions.SelectMany((region, r) => Enumerable.Range(1, options.StoresPerRegion).Select(s => EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = LocalFleetOptions.StoreName(r + 1, s), RegionId = region.Id, ParentAddress = region.LinkAddress,
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), ConfigureLogging = options.ConfigureLogging,
            ConfigureStore = options.ConfigureStore, DataDirectory = DataFor(options, $"store-{LocalFleetOptions.StoreName(r + 1, s)}"),
        }))).ToList();
        await Task.WhenAll(stores.Select(s => s.StartAsync(cancellationToken)));
        return new LocalFleet(cloud, regions, stores);
    }

    private static string? DataFor(LocalFleetOptions options, string cluster) =>
        options.DataDirectory is { } root ? Path.Combine(root, cluster) : null;

    /// <summary>Stops the stores, then the regions, then the cloud.</summary>
    public async Task StopAsync()
    {
        await Task.WhenAll(Stores.Select(s => s.StopAsync()));
        await Task.WhenAll(Regions.Select(r => r.StopAsync()));
        await Cloud.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var host in All.Reverse()) await host.DisposeAsync();
    }
}
