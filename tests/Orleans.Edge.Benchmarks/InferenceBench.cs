using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// Camera inference in a real store silo against bare ONNX Runtime on the same frames, in one run:
/// (a) latency with one frame in flight (one camera, closed loop), bare <c>InferenceSession.Run</c>
/// at batch 1 against each layer of the grain path, interleaved in blocks so that noise from a
/// shared machine falls on every route alike; the same under load (8 cameras at once);
/// (b) frames/s per store silo with <see cref="InferenceOptions.MaxBatch"/> 1, 4 and 16, cameras
/// sending as fast as they are answered, against bare Run at batch 1, 4 and 16 (the ceiling).
/// The model is shelf-v1 (fp32), the frames come from the store's <see cref="FrameGenerator"/>.
/// </summary>
public static class InferenceBench
{
    private const string StoreId = "ib-s1";
    private const int DistinctFrames = 64;
    private const int Block = 250;
    private const int LoadedCameras = 8;

    public static async Task RunAsync(int frames, int throughputCameras, Report report)
    {
        var generator = new FrameGenerator(CameraDomain.ForStore(StoreId), 11);
        var rgb = Enumerable.Range(0, DistinctFrames).Select(i => generator.Generate(i).Rgb).ToArray();
        var model = ShelfModels.V1Bytes();
        report.Facts["model"] = $"{ShelfModels.V1Version} (fp32, {model.Length / 1024} KiB), on {DistinctFrames} frames from FrameGenerator(ForStore(\"{StoreId}\"), seed 11), cycled";
        report.Facts["build"] = Build();
        report.Facts["gc"] = GCSettings.IsServerGC ? "server" : "workstation";
        report.Facts["onnxruntime"] = OrtEnv.Instance().GetVersionString();
        report.Facts["loadavg_before"] = LoadAverage();
        report.Facts["store silo"] = "EdgeTierHost.CreateStore (embedded profile, in this process); its region is not running, so uplink events queue in its outbox";
        report.Facts["rate limit"] = "FrameHzPerCamera=100000 and AdaptFrameRate=false in the benchmark's store, so that cameras are limited by the silo and not by the per-camera rate (production: 5 frames/s per camera)";
        report.Facts["bare"] = "one InferenceSession with the store's own SessionOptions (ModelHost.SessionOptionsFor), input tensors converted beforehand: Run only";
        report.Facts["routes"] = "sdk = EdgeStoreClient.ConnectAsync over the store's gateway (loopback TCP), the production path: camera's sensor grain, batcher, model, shelf grain; " +
            "in-silo = the same SubmitFrameAsync from the silo's own client (no gateway); batcher = FrameBatcher.JudgeAsync alone (queue, CHW conversion, Run, slot decoding)";
        report.Facts["route choice"] = "one grain per camera (the camera's sensor grain) in front of one batcher per silo; why: docs/benchmarks/inference-routes.md, kept as the historical record of that choice";
        report.Facts["reading"] = "table a is the like-for-like comparison (one frame in flight on every route, same frames, same minutes); " +
            "a2 is the production path under load (8 cameras at once: queueing, so not comparable with bare batch 1); b is frames/s per silo against the bare ceiling; " +
            "c repeats a and b with one ONNX Runtime thread; loadavg_1m is the machine's 1-minute load when the row ended (2 cores: above 2 means others were waiting for them)";
        report.Facts["percentiles"] = "nearest rank over every frame of the row; latency is from the call until its answer";
        report.Facts["alloc_kib_per_frame"] = "bytes the whole process allocated while the route ran (GC.GetTotalAllocatedBytes), per frame: includes the client side and anything else running";
        report.Facts["interleaving"] = $"table a: the four routes take turns in blocks of {Block} frames after a warm-up of 200 frames each, so that a busy moment of a shared machine falls on all of them";

        var bare = new BareOrt(model, rgb);
        // (a) with the store's defaults (MaxBatch 4).
        await using (var store = await BenchStore.StartAsync(4, throughputCameras, rgb))
        {
            var hardware = store.Host.Get<IHardwareCapabilitiesSource>()!.Current;
            report.Facts["cores"] = hardware.Cores;
            report.Facts["simd"] = string.Join(",", hardware.Simd);
            report.Facts["intra_op_threads"] = hardware.IntraOpThreads;
            bare.Open(hardware);
            await LatencyAsync(store, bare, frames, report, "a. latency, one frame in flight", headline: true);
            await LoadedAsync(store, frames, report);
        }
        // (b) frames/s per silo at MaxBatch 1, 4, 16, and the bare ceiling at those batches.
        var perSilo = new List<string>();
        foreach (var maxBatch in new[] { 1, 4, 16 })
        {
            report.Add(bare.Throughput(maxBatch, Math.Max(frames, 2000)));
            await using var store = await BenchStore.StartAsync(maxBatch, throughputCameras, rgb);
            var row = await store.ThroughputAsync(maxBatch, throughputCameras, 2 * frames);
            report.Add(row);
            perSilo.Add($"MaxBatch {maxBatch}: {row["frames_per_s"]}");
        }
        report.Facts["target: >= 200 frames/s per store silo"] = $"{string.Join(", ", perSilo)} frames/s " +
            "(the cameras' client runs in the same process and shares the cores)";
        bare.Dispose();

        // (c) the same with one intra-op thread per core (the default is half the cores, 1 to 4): on 2 shared
        // cores a run that waits for its second ORT thread to be scheduled can wait a whole time slice.
        var perCore = Environment.ProcessorCount;
        using var single = new BareOrt(model, rgb);
        await using (var store = await BenchStore.StartAsync(4, throughputCameras, rgb, intraOpThreads: perCore))
        {
            single.Open(store.Host.Get<IHardwareCapabilitiesSource>()!.Current);
            await LatencyAsync(store, single, frames, report, $"c. intra-op threads {perCore} (one per core): latency, one frame in flight", headline: false);
            var row = single.Throughput(4, Math.Max(frames, 2000));
            row["table"] = $"c. intra-op threads {perCore} (one per core): throughput";
            report.Add(row);
            row = await store.ThroughputAsync(4, throughputCameras, 2 * frames);
            row["table"] = $"c. intra-op threads {perCore} (one per core): throughput";
            report.Add(row);
        }
        report.Facts["loadavg_after"] = LoadAverage();
    }

    /// <summary>One camera, one frame in flight; the routes take turns in blocks so each sees the same machine.</summary>
    private static async Task LatencyAsync(BenchStore store, BareOrt bare, int frames, Report report, string table, bool headline)
    {
        var camera = store.Cameras[0];
        var routes = new (string Name, Func<int, ValueTask<double>> Once)[]
        {
            ("bare InferenceSession.Run, batch 1", i => ValueTask.FromResult(bare.RunOnce(i))),
            ("batcher: FrameBatcher.JudgeAsync", i => store.TimeAsync(() => store.Batcher.JudgeAsync(store.Frame(camera, i)))),
            ("in-silo: SubmitFrameAsync via the silo's client", i => store.TimeAsync(() => store.InSilo.SubmitFrameAsync(store.Frame(camera, i)))),
            ("sdk: SubmitFrameAsync via the gateway (production)", i => store.TimeAsync(() => store.Sdk.SubmitFrameAsync(store.Frame(camera, i)))),
        };
        var times = routes.Select(_ => new List<double>(frames)).ToArray();
        var allocated = new long[routes.Length];
        // Warm-up: JIT, activations, ORT's first runs.
        for (var i = 0; i < 200; i++) foreach (var r in routes) await r.Once(i);
        store.BatchSizes.Clear();
        for (var done = 0; done < frames; done += Block)
        {
            for (var r = 0; r < routes.Length; r++)
            {
                var before = GC.GetTotalAllocatedBytes();
                for (var i = done; i < Math.Min(frames, done + Block); i++) times[r].Add(await routes[r].Once(i));
                allocated[r] += GC.GetTotalAllocatedBytes() - before;
            }
        }
        var sizes = store.BatchSizes.ToArray();
        var meanBatch = sizes.Length == 0 ? 0 : Math.Round(sizes.Average(), 2);
        var bareP99 = Percentile(times[0], 0.99);
        for (var r = 0; r < routes.Length; r++)
        {
            var p99 = Percentile(times[r], 0.99);
            report.Add(new()
            {
                ["table"] = table, ["route"] = routes[r].Name, ["max_batch"] = r == 0 ? 1 : 4, ["cameras"] = 1,
                ["frames"] = times[r].Count, ["frames_per_s"] = Math.Round(times[r].Count / times[r].Sum() * 1000, 0),
                ["p50_ms"] = Math.Round(Percentile(times[r], 0.5), 3), ["p99_ms"] = Math.Round(p99, 3),
                ["p99_vs_bare"] = Math.Round(p99 / bareP99, 2), ["mean_batch"] = r == 0 ? 1 : meanBatch, ["refused"] = r == 0 ? 0 : store.Refused,
                ["alloc_kib_per_frame"] = Math.Round(allocated[r] / 1024.0 / times[r].Count, 1), ["loadavg_1m"] = LoadAverage().Split(' ')[0],
            });
            if (headline && r == routes.Length - 1)
                report.Facts["target: grain-path p99 within 1.5x of bare"] = $"sdk p99 {p99:F3} ms / bare p99 {bareP99:F3} ms = {p99 / bareP99:F2} ({(p99 <= 1.5 * bareP99 ? "met" : "NOT met")})";
        }
    }

    /// <summary>The same frames under load: <see cref="LoadedCameras"/> cameras at once, each with one frame in flight.</summary>
    private static async Task LoadedAsync(BenchStore store, int frames, Report report)
    {
        foreach (var (name, client) in new[] { ("in-silo: SubmitFrameAsync via the silo's client", store.InSilo), ("sdk: SubmitFrameAsync via the gateway (production)", store.Sdk) })
        {
            var row = await store.DriveAsync(client, LoadedCameras, frames);
            row["table"] = "a2. latency under load (8 cameras at once, not comparable with bare batch 1)";
            row["route"] = name;
            report.Add(Ordered(row));
        }
    }

    private static Dictionary<string, object?> Ordered(Dictionary<string, object?> row)
    {
        string[] order = ["table", "route", "max_batch", "cameras", "frames", "frames_per_s", "p50_ms", "p99_ms", "p99_vs_bare", "mean_batch", "refused", "alloc_kib_per_frame", "loadavg_1m"];
        row["loadavg_1m"] = LoadAverage().Split(' ')[0];
        return order.ToDictionary(k => k, k => row.GetValueOrDefault(k));
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Build() =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    /// <summary>Bare ONNX Runtime: the store's session options, tensors made beforehand, <c>Run</c> alone timed.</summary>
    private sealed class BareOrt(byte[] model, byte[][] rgb) : IDisposable
    {
        private static readonly string[] Inputs = [ShelfVisionContract.InputName];
        private static readonly string[] Outputs = [ShelfVisionContract.FillOutputName, ShelfVisionContract.SkuOutputName];
        private readonly RunOptions _run = new();
        private readonly Dictionary<int, OrtValue[]> _tensors = [];
        private InferenceSession? _session;

        public void Open(HardwareCapabilities hardware)
        {
            using var options = ModelHost.SessionOptionsFor(hardware);
            _session = new InferenceSession(model, options);
        }

        private OrtValue[] Tensors(int batch)
        {
            if (_tensors.TryGetValue(batch, out var made)) return made;
            made = new OrtValue[rgb.Length];
            for (var t = 0; t < made.Length; t++)
            {
                var input = new float[batch * FrameTensor.Length];
                for (var f = 0; f < batch; f++) FrameTensor.ToChw(rgb[(t + f) % rgb.Length], input.AsSpan(f * FrameTensor.Length, FrameTensor.Length));
                made[t] = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, ShelfVisionContract.Height, ShelfVisionContract.Width]);
            }
            return _tensors[batch] = made;
        }

        private double Run(OrtValue tensor)
        {
            var started = Stopwatch.GetTimestamp();
            using (_session!.Run(_run, Inputs, [tensor], Outputs)) { }
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        public double RunOnce(int i) => Run(Tensors(1)[i % rgb.Length]);

        public Dictionary<string, object?> Throughput(int batch, int frames)
        {
            var tensors = Tensors(batch);
            for (var i = 0; i < 20; i++) Run(tensors[i % tensors.Length]);
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i * batch < frames; i++) times.Add(Run(tensors[i % tensors.Length]));
            clock.Stop();
            return Ordered(new()
            {
                ["table"] = "b. throughput", ["route"] = $"bare InferenceSession.Run, batch {batch} (ceiling)", ["max_batch"] = batch, ["cameras"] = 0,
                ["frames"] = times.Count * batch, ["frames_per_s"] = Math.Round(times.Count * batch / clock.Elapsed.TotalSeconds, 0),
                ["p50_ms"] = Math.Round(Percentile(times, 0.5), 3), ["p99_ms"] = Math.Round(Percentile(times, 0.99), 3), ["mean_batch"] = batch, ["refused"] = 0,
            });
        }

        public void Dispose()
        {
            foreach (var value in _tensors.Values.SelectMany(t => t)) value.Dispose();
            _session?.Dispose();
            _run.Dispose();
        }
    }

    /// <summary>A store silo with shelf-v1 installed and one camera per shelf, and the clients that send it frames.</summary>
    private sealed class BenchStore : IAsyncDisposable
    {
        private readonly byte[][] _rgb;
        private readonly ConcurrentDictionary<string, long> _sequence = new(StringComparer.Ordinal);
        private readonly DateTimeOffset _t0 = DateTimeOffset.UtcNow.AddMinutes(-2);
        private readonly MeterListener _listener = new();
        private long _refused;

        private BenchStore(EdgeTierHost host, byte[][] rgb)
        {
            Host = host;
            _rgb = rgb;
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == InferenceMetrics.BatchSizeName) l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((_, size, _, _) => BatchSizes.Enqueue(size));
            _listener.Start();
        }

        public EdgeTierHost Host { get; }
        public EdgeStoreClient Sdk { get; private set; } = null!;
        public EdgeStoreClient InSilo { get; private set; } = null!;
        public FrameBatcher Batcher => Host.Get<FrameBatcher>()!;
        public List<string> Cameras { get; } = [];
        public ConcurrentQueue<int> BatchSizes { get; } = new();
        public long Refused => Interlocked.Read(ref _refused);

        public static async Task<BenchStore> StartAsync(int maxBatch, int cameras, byte[][] rgb, int intraOpThreads = 0)
        {
            var gateway = FreePorts.Next();
            var host = EdgeTierHost.CreateStore(new StoreTierSettings
            {
                StoreId = StoreId, RegionId = "ib", ParentAddress = new Uri($"https://127.0.0.1:{FreePorts.Next()}"),
                SiloPort = FreePorts.Next(), GatewayPort = gateway, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Error),
                ConfigureServices = services => services.Configure<InferenceOptions>(o =>
                {
                    o.MaxBatch = maxBatch;
                    o.IntraOpThreads = intraOpThreads;
                    o.FrameHzPerCamera = 100_000;
                    o.AdaptFrameRate = false;
                }),
            });
            await host.StartAsync();
            var store = new BenchStore(host, rgb);
            var applied = await host.Get<IModelInstaller>()!.InstallAsync(ShelfModels.V1Manifest(), ShelfModels.V1Bytes(), CancellationToken.None);
            if (!applied.Applied) throw new InvalidOperationException($"shelf-v1 was refused: {applied.Problem}");
            store.Sdk = await EdgeStoreClient.ConnectAsync(StoreId, $"127.0.0.1:{gateway}");
            store.InSilo = EdgeStoreClient.Create(host.Grains, StoreId);
            var setups = Enumerable.Range(0, cameras).Select(i =>
            {
                var shelf = new ShelfId($"ib-shelf-{i:D2}");
                store.Cameras.Add($"{shelf.Value}-cam");
                return new ShelfSetup(shelf, new PlanogramEntry($"sku-{i:D3}", 250, 800, 16),
                [
                    new SensorSpec(new SensorId($"{shelf.Value}-lc"), shelf, SensorKind.LoadCell, 20_000),
                    new SensorSpec(new SensorId($"{shelf.Value}-cam"), shelf, SensorKind.Camera, 1),
                ]);
            }).ToList();
            await store.Sdk.ProvisionShelvesAsync(setups);
            return store;
        }

        /// <summary>The camera's next frame: frames cycle through the set, stamped a millisecond apart per camera.</summary>
        public CameraFrame Frame(string camera, int i)
        {
            var n = _sequence.AddOrUpdate(camera, 1, (_, s) => s + 1);
            return new CameraFrame(camera, _t0.AddMilliseconds(n), ShelfVisionContract.Width, ShelfVisionContract.Height, _rgb[(i + camera.Length) % _rgb.Length]);
        }

        public async ValueTask<double> TimeAsync(Func<Task<FrameResult>> submit)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await submit();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!result.IsAccepted) Interlocked.Increment(ref _refused);
            return ms;
        }

        /// <summary><paramref name="cameras"/> cameras, each sending its next frame as soon as the last is answered, <paramref name="frames"/> in all.</summary>
        public async Task<Dictionary<string, object?>> DriveAsync(EdgeStoreClient client, int cameras, int frames)
        {
            // Warm-up: every camera's grain active, a few batches of every size run.
            await Task.WhenAll(Cameras.Take(cameras).Select(async c => { for (var i = 0; i < 20; i++) await client.SubmitFrameAsync(Frame(c, i)); }));
            BatchSizes.Clear();
            var refusedBefore = Refused;
            var latencies = new ConcurrentBag<double>();
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Cameras.Take(cameras).Select(async c =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < frames) latencies.Add(await TimeAsync(() => client.SubmitFrameAsync(Frame(c, i))));
            }));
            clock.Stop();
            var sizes = BatchSizes.ToArray();
            var list = latencies.ToList();
            return new()
            {
                ["cameras"] = cameras, ["frames"] = list.Count, ["frames_per_s"] = Math.Round(list.Count / clock.Elapsed.TotalSeconds, 0),
                ["p50_ms"] = Math.Round(Percentile(list, 0.5), 3), ["p99_ms"] = Math.Round(Percentile(list, 0.99), 3),
                ["mean_batch"] = sizes.Length == 0 ? 0 : Math.Round(sizes.Average(), 2), ["refused"] = Refused - refusedBefore,
                ["max_batch"] = Host.Get<Microsoft.Extensions.Options.IOptions<InferenceOptions>>()!.Value.MaxBatch,
            };
        }

        public async Task<Dictionary<string, object?>> ThroughputAsync(int maxBatch, int cameras, int frames)
        {
            var row = await DriveAsync(Sdk, cameras, frames);
            row["table"] = "b. throughput";
            row["route"] = $"sdk: store silo with MaxBatch {maxBatch}, {cameras} cameras as fast as answered";
            return Ordered(row);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await Sdk.DisposeAsync();
            await Host.StopAsync();
            await Host.DisposeAsync();
        }
    }
}
