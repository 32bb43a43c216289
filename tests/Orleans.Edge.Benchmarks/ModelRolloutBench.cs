using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Hosting.Storage;
using Orleans.Edge.Models;
using Orleans.Edge.Policies;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// Time to apply a model of each size to every store of a fleet (2 regions × 10 stores by default),
/// from the cloud's <c>Assign</c> until every store's installer has it, with the region cache and
/// without it, and the artifact bytes the cloud and the regions streamed. The artifacts are random
/// bytes, not ONNX models, so each store's installer is a <see cref="RecordingInstaller"/> that
/// takes any artifact: what is measured is delivery (assignment down the downlink, chunked fetch,
/// SHA-256 checks at region and store, the store's own copy), not the ONNX session swap.
/// </summary>
public static class ModelRolloutBench
{
    public static async Task RunAsync(int regions, int storesPerRegion, int[] sizesMb, Report report)
    {
        report.Facts["fleet"] = $"1 cloud, {regions} regions, {regions * storesPerRegion} stores, each its own Orleans cluster in one process, links on loopback";
        report.Facts["installer"] = "RecordingInstaller (records version, size and time; the artifacts are random bytes, not ONNX): delivery only";
        report.Facts["without cache"] = "the benchmark replaces each region's cache with NoRegionCache: the region claims to hold nothing, " +
            "so every store's request makes the region fetch the whole artifact from the cloud again (in parallel, into its own partial file)";
        report.Facts["timing"] = "from IModelRegistryGrain.Assign(global) returning until every store's installer has the version; registration (the upload) is not timed";
        foreach (var cache in new[] { true, false })
        {
            var fleet = await LocalFleet.StartAsync(new LocalFleetOptions
            {
                Regions = regions, StoresPerRegion = storesPerRegion, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Error),
                ConfigureServices = (id, services) =>
                {
                    if (id.Contains("-s", StringComparison.Ordinal)) services.AddSingleton<IModelInstaller, RecordingInstaller>();
                    else if (id != LocalFleet.CloudId && !cache) NoRegionCache.Install(services);
                },
            });
            try
            {
                var cloudFleet = fleet.Cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey);
                // Stores must be known at their region (announced by their first reported state) before they may fetch.
                var ready = Stopwatch.StartNew();
                while ((await cloudFleet.GetView()).Stores.Count < fleet.Stores.Count && ready.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
                var registry = fleet.Cloud.Grains.GetGrain<IModelRegistryGrain>(EdgeNames.CloudKey);
                foreach (var mb in sizesMb)
                {
                    var bytes = new byte[mb * 1024 * 1024];
                    new Random(mb).NextBytes(bytes);
                    var version = $"bench-{mb}mb";
                    var registered = await registry.Register(ModelManifest.ForShelfModel(version, bytes), bytes);
                    if (registered.Problems.Count > 0) throw new InvalidOperationException(string.Join("; ", registered.Problems));
                    var cloudBefore = Served(fleet.Cloud);
                    var regionsBefore = fleet.Regions.Sum(Served);
                    var storesBefore = fleet.Stores.Sum(s => Transfers(s).BytesFetched);
                    var clock = Stopwatch.StartNew();
                    var t0 = Stopwatch.GetTimestamp();
                    var assigned = await registry.Assign(PolicyScope.Global, version);
                    if (assigned.Problems.Count > 0) throw new InvalidOperationException(string.Join("; ", assigned.Problems));
                    var installers = fleet.Stores.Select(s => (RecordingInstaller)s.Get<IModelInstaller>()!).ToList();
                    var limit = TimeSpan.FromSeconds(180);
                    while (installers.Any(i => i.CurrentVersion != version) && clock.Elapsed < limit) await Task.Delay(20);
                    var applied = installers.Count(i => i.CurrentVersion == version);
                    var times = installers.Where(i => i.CurrentVersion == version).Select(i => Stopwatch.GetElapsedTime(t0, i.AppliedAt(version)).TotalSeconds).Order().ToList();
                    report.Add(new()
                    {
                        ["artifact_mb"] = mb, ["region_cache"] = cache ? "on" : "off", ["stores"] = installers.Count, ["applied"] = applied,
                        ["seconds_to_apply_all"] = applied == installers.Count ? Math.Round(times[^1], 2) : null,
                        ["first_store_s"] = applied > 0 ? Math.Round(times[0], 2) : null,
                        ["median_store_s"] = applied > 0 ? Math.Round(times[times.Count / 2], 2) : null,
                        ["bytes_from_cloud"] = Served(fleet.Cloud) - cloudBefore,
                        ["bytes_from_regions"] = fleet.Regions.Sum(Served) - regionsBefore,
                        ["bytes_received_by_stores"] = fleet.Stores.Sum(s => Transfers(s).BytesFetched) - storesBefore,
                        ["cloud_sends_per_artifact"] = Math.Round((double)(Served(fleet.Cloud) - cloudBefore) / bytes.Length, 2),
                    });
                }
            }
            finally
            {
                await fleet.StopAsync();
                await fleet.DisposeAsync();
            }
        }

        static ModelTransferMetrics Transfers(EdgeTierHost host) => host.Get<ModelTransferMetrics>()!;
        static long Served(EdgeTierHost host) => Transfers(host).BytesServed;
    }
}

/// <summary>A store's installer for delivery benchmarks: takes any artifact and records when each version arrived.</summary>
public sealed class RecordingInstaller : IModelInstaller
{
    private readonly ConcurrentDictionary<string, long> _applied = new(StringComparer.Ordinal);
    private volatile string? _current;

    public string? CurrentVersion => _current;

    public Task<ModelApplyResult> InstallAsync(ModelManifest manifest, ReadOnlyMemory<byte> onnx, CancellationToken cancellationToken)
    {
        _applied[manifest.Version] = Stopwatch.GetTimestamp();
        _current = manifest.Version;
        return Task.FromResult(new ModelApplyResult(true, manifest.Version, null));
    }

    /// <summary>The <see cref="Stopwatch.GetTimestamp"/> at which <paramref name="version"/> was installed.</summary>
    public long AppliedAt(string version) => _applied[version];
}

/// <summary>
/// BENCHMARK ONLY: a region without its artifact cache. It answers "not held" for every artifact,
/// so the parent side asks it as upstream on every store's request, and each request downloads the
/// whole artifact from the cloud again (each into its own partial file, so they run in parallel).
/// The copy is kept only so the parent side can stream it from the region's store.
/// </summary>
public sealed class NoRegionCache(IServiceProvider services, FileArtifactStore inner) : IArtifactStore, IArtifactUpstream
{
    public static void Install(IServiceCollection services)
    {
        services.RemoveAll<IArtifactUpstream>();
        services.RemoveAll<IArtifactStore>();
        services.AddSingleton(sp => new NoRegionCache(sp,
            new FileArtifactStore(Path.Combine(sp.GetRequiredService<IOptions<ModelDeliveryOptions>>().Value.Directory!, "store"))));
        services.AddSingleton<IArtifactStore>(sp => sp.GetRequiredService<NoRegionCache>());
        services.AddSingleton<IArtifactUpstream>(sp => sp.GetRequiredService<NoRegionCache>());
    }

    public Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken) => Task.FromResult<long?>(null);

    public Task<int> ReadAsync(string sha256, long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReadAsync(sha256, offset, buffer, cancellationToken);

    public Task PutAsync(string sha256, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => inner.PutAsync(sha256, bytes, cancellationToken);

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken) => inner.DeleteAsync(sha256, cancellationToken);

    public async Task<long> EnsureLocalAsync(string sha256, CancellationToken cancellationToken)
    {
        var delivery = services.GetRequiredService<IOptions<ModelDeliveryOptions>>().Value;
        var own = Path.Combine(delivery.Directory!, "nocache", Guid.NewGuid().ToString("N"));
        var downloader = new ArtifactDownloader(services.GetRequiredService<ParentLink>(), services.GetRequiredService<EdgeIdentity>(),
            Options.Create(new ModelDeliveryOptions { ChunkBytes = delivery.ChunkBytes, MaxArtifactBytes = delivery.MaxArtifactBytes, Directory = own }),
            services.GetRequiredService<ModelTransferMetrics>(), NullLogger<ArtifactDownloader>.Instance);
        try
        {
            var path = await downloader.DownloadAsync(sha256, null, cancellationToken);
            // The first request's copy is kept for the parent side to stream; later requests fetched the same bytes again.
            await _copies.GetOrAdd(sha256, _ => inner.PutAsync(sha256, File.ReadAllBytes(path), CancellationToken.None));
            return new FileInfo(path).Length;
        }
        finally
        {
            Directory.Delete(own, recursive: true);
        }
    }

    private readonly ConcurrentDictionary<string, Task> _copies = new(StringComparer.Ordinal);
}
