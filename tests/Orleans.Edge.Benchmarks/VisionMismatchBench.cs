using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// How many Mismatch alerts shelf model v1 raises on correctly stocked shelves, per camera domain,
/// and how fast it raises one for a real wrong product. A real store cluster in process per domain
/// (its clock simulated: 1 s per frame), v1 installed, and per domain a shelf of 8 slots × 4 units
/// whose camera (<see cref="StockedFrameGenerator"/>) sees exactly what is stocked; a sale takes a
/// unit every 2 minutes on average, a restock fills the shelf when 12 units are left; the load cell
/// reports the true weight (±5 g) every second, just before the frame. Every Mismatch on those
/// shelves is false by construction, and is split by its cause (wrong-SKU call or weight/camera
/// disagreement). Then, per domain, shelves with one slot holding another design count the frames
/// until the wrong-SKU Mismatch is raised.
/// </summary>
public static class VisionMismatchBench
{
    private const int Depth = ShelfCamera.DefaultDepth;
    private const int Capacity = C.Slots * Depth;

    public static async Task RunAsync(int frames, int trials, string[] domains, double? confidence, int? wrongSkuFrames, double? minDesignAccuracy, int? cameraMismatchFrames, Report report)
    {
        report.Facts["store"] = "one store cluster per domain in process (EdgeTierHost.CreateStore), its id the domain's name (so the model's design_accuracy/<store> metric applies), " +
            "simulated clock advanced 1 s per frame; frames and weights through the SDK (SubmitFrameAsync, SubmitReadingAsync)";
        report.Facts["model"] = $"{ShelfModels.V1Version} fp32, its registered metrics";
        report.Facts["shelf"] = $"8 slots × {Depth} units = {Capacity}, 100 g units on a 500 g tare; sale every 120 s on average; restock to full at 12 units";
        report.Facts["frames per domain"] = frames;
        report.Facts["true-positive trials per domain"] = trials;
        report.Facts["loadavg start"] = LoadAverage();
        foreach (var domainName in domains)
        {
            var domain = domainName == "lab" ? CameraDomain.Lab : CameraDomain.ForStore(domainName);
            var clock = new SimClock(DateTimeOffset.UtcNow);
            await using var store = EdgeTierHost.CreateStore(new StoreTierSettings
            {
                StoreId = domain.Name, RegionId = "bench-region", ParentAddress = new Uri($"https://127.0.0.1:{FreePorts.Next()}"),
                SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), Time = clock,
                ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Critical),
                ConfigureServices = s => s.Configure<InferenceOptions>(o =>
                {
                    if (confidence is { } c) o.WrongSkuConfidence = c;
                    if (wrongSkuFrames is { } k) o.WrongSkuFrames = k;
                    if (minDesignAccuracy is { } m) o.MinDesignAccuracy = m;
                    if (cameraMismatchFrames is { } ck) o.CameraMismatchFrames = ck;
                }),
            });
            await store.StartAsync();
            var installed = await store.Get<IModelInstaller>()!.InstallAsync(ShelfModels.V1Manifest(), ShelfModels.V1Bytes(), CancellationToken.None);
            if (!installed.Applied) throw new InvalidOperationException(installed.Problem);
            var options = store.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<InferenceOptions>>().Value;
            report.Facts["rule"] = $"WrongSkuConfidence {options.WrongSkuConfidence}, WrongSkuFrames {options.WrongSkuFrames} (same slot, same design), " +
                $"MinDesignAccuracy {options.MinDesignAccuracy}, CameraMismatchFrames {options.CameraMismatchFrames}; policy default (MismatchToleranceFraction 0.3 of {Capacity} units)";
            var counters = store.Get<Orleans.Edge.Store.StoreCounters>()!;
            var client = EdgeStoreClient.Create(store.Grains, domain.Name);
            var wall = Stopwatch.StartNew();
            var ignoredBefore = counters.WrongSkuIgnored;
            var stocked = await StockedShelf(client, clock, domain, frames, null, stopAtWrongSku: false);
            var ignored = counters.WrongSkuIgnored - ignoredBefore;
            var detections = new List<int?>();
            for (var t = 0; t < trials; t++)
                detections.Add((await StockedShelf(client, clock, domain, 120, (Slot: (t * 3) % C.Slots, Seed: (ulong)t), stopAtWrongSku: true)).FirstWrongSkuFrame);
            var found = detections.OfType<int>().Order().ToList();
            report.Add(new()
            {
                ["domain"] = domain.Name,
                ["design_accuracy_metric"] = Orleans.Edge.Store.Shelves.DesignTrust.DesignAccuracy(ShelfModels.V1Manifest(), domain.Name),
                ["frames"] = stocked.Frames,
                ["refused"] = stocked.Refused,
                ["false_mismatch"] = stocked.WrongSku + stocked.Disagree,
                ["false_wrong_sku"] = stocked.WrongSku,
                ["false_weight_vs_camera"] = stocked.Disagree,
                ["per_day_equivalent"] = Math.Round((stocked.WrongSku + stocked.Disagree) * 86_400.0 / Math.Max(1, stocked.Frames), 1),
                ["mismatch_open_share"] = Math.Round((double)stocked.OpenSeconds / Math.Max(1, stocked.Frames), 3),
                ["wrong_sku_calls_ignored"] = ignored,
                ["wrong_sku_detected"] = $"{found.Count}/{trials}",
                ["frames_to_detect_median"] = found.Count > 0 ? found[found.Count / 2] : null,
                ["frames_to_detect_max"] = found.Count > 0 ? found[^1] : null,
                ["wall_s"] = Math.Round(wall.Elapsed.TotalSeconds, 1),
            });
        }
        report.Facts["loadavg end"] = LoadAverage();
    }

    private sealed record Outcome(int Frames, int Refused, int WrongSku, int Disagree, int OpenSeconds, int? FirstWrongSkuFrame);

    private static int _shelves;

    /// <summary>One shelf for <paramref name="frames"/> seconds; <paramref name="intruder"/> puts another design in one slot.</summary>
    private static async Task<Outcome> StockedShelf(EdgeStoreClient client, SimClock clock, CameraDomain domain, int frames, (int Slot, ulong Seed)? intruder, bool stopAtWrongSku)
    {
        var name = $"{domain.Name}-{(intruder is null ? "stocked" : "wrong")}-{Interlocked.Increment(ref _shelves)}";
        var sku = $"sku-{name}";
        var cell = new SensorId($"{name}-lc");
        var cameraId = $"{name}-cam";
        await client.ProvisionShelfAsync(new ShelfSetup(new ShelfId(name), new PlanogramEntry(sku, 100, 500, Capacity),
            [new SensorSpec(cell, new ShelfId(name), SensorKind.LoadCell, 20_000), new SensorSpec(new SensorId(cameraId), new ShelfId(name), SensorKind.Camera, 1)]));
        var skus = Enumerable.Repeat(sku, C.Slots).ToArray();
        if (intruder is { } i) skus[i.Slot] = Enumerable.Range(0, 100).Select(k => $"other-{k}").First(o => C.DesignOf(o) != C.DesignOf(sku));
        var seed = intruder?.Seed ?? 1;
        var generator = new StockedFrameGenerator(domain, 1000 + seed, ShelfCamera.FromSkus(cameraId, skus));
        var random = new Random((int)seed + (domain.Name.Length * 7919));
        var units = Enumerable.Repeat(Depth, C.Slots).ToArray();
        var rgb = new byte[C.FrameBytes];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int refused = 0, wrongSku = 0, disagree = 0, open = 0;
        for (var f = 0; f < frames; f++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            if (intruder is null && random.NextDouble() < 1.0 / 120)
            {
                var stockedSlots = Enumerable.Range(0, C.Slots).Where(s => units[s] > 0).ToArray();
                units[stockedSlots[random.Next(stockedSlots.Length)]]--;
                if (units.Sum() <= 12) Array.Fill(units, Depth);
            }
            var now = clock.GetUtcNow();
            await client.SubmitReadingAsync(new SensorReading(cell, 500 + (units.Sum() * 100) + ((random.NextDouble() * 10) - 5), now));
            generator.GenerateInto(f, units, rgb);
            var result = await client.SubmitFrameAsync(new CameraFrame(cameraId, now, C.Width, C.Height, (byte[])rgb.Clone()));
            if (!result.IsAccepted) refused++;
            var mismatches = (await client.GetOpenAlertsAsync()).Where(a => a.ShelfId.Value == name && a.Type == AlertType.Mismatch).ToList();
            if (mismatches.Count > 0) open++;
            foreach (var alert in mismatches.Where(a => seen.Add(a.AlertId)))
            {
                var isWrongSku = alert.Detail?.StartsWith("camera sees design", StringComparison.Ordinal) == true;
                if (isWrongSku) wrongSku++;
                else disagree++;
                // A hit names the slot that really holds the other product; a false call on another slot is not one.
                if (stopAtWrongSku && isWrongSku && intruder is { } hit && alert.Detail!.Contains($" in slot {hit.Slot} ", StringComparison.Ordinal)) return new Outcome(f + 1, refused, wrongSku, disagree, open, f + 1);
            }
        }
        return new Outcome(frames, refused, wrongSku, disagree, open, null);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    /// <summary>The store's clock: moves only when the benchmark says, one second per frame.</summary>
    private sealed class SimClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
