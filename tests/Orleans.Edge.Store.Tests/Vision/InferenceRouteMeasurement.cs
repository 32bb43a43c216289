using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>
/// Measures, with the real shelf CNN: bare ONNX Runtime at batch 1, 4 and 16 (the ceiling and what
/// batching pays); a <c>[StatelessWorker]</c> pool against one grain per camera in front of the same
/// batcher; and the production path (camera grain, shelf fusion, through the SDK). Writes
/// docs/benchmarks/inference-routes.{json,md}. Runs only with EDGE_MEASURE=1: it reports, it asserts nothing.
/// </summary>
[Collection(VisionClusterCollection.Name)]
public sealed class InferenceRouteMeasurement(StoreClusterFixture fx)
{
    private const int Cameras = 8;
    private const int FramesPerCamera = 60;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [SkippableFact]
    public async Task Measure_PoolAgainstPerCamera_AndBatching()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("EDGE_MEASURE") == "1", "set EDGE_MEASURE=1 to measure and write docs/benchmarks/inference-routes.*");
        var cnn = ShelfModelOnnx.Write(ShelfModelWeights.Random(1));
        var applied = await fx.Installer.InstallAsync(ColourShelfModel.Manifest("measure-cnn", cnn), cnn, CancellationToken.None);
        Assert.True(applied.Applied, applied.Problem);
        var generator = new FrameGenerator(CameraDomain.ForStore(StoreClusterFixture.StoreId), 3);
        var frames = Enumerable.Range(0, 32).Select(i => generator.Generate(i).Rgb).ToArray();
        var rows = new List<Dictionary<string, object>>();

        var hardware = fx.SiloServices.GetRequiredService<IHardwareCapabilitiesSource>().Current;
        using (var options = ModelHost.SessionOptionsFor(hardware))
        {
            var session = new ModelSession(ColourShelfModel.Manifest("bare", cnn), cnn, options);
            foreach (var batch in new[] { 1, 4, 16 }) rows.Add(Bare(session, frames, batch));
            session.Release();
        }

        var batches = new ConcurrentQueue<int>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) => { if (i.Name == InferenceMetrics.BatchSizeName) l.EnableMeasurementEvents(i); },
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) => batches.Enqueue(size));
        listener.Start();

        foreach (var inFlight in new[] { 1, 4 })
        {
            rows.Add(await Route("stateless-worker pool", inFlight, frames, batches, (camera, frame) => fx.Client.GetGrain<IPoolJudgeGrain>("pool").Judge(frame)));
            rows.Add(await Route("grain per camera", inFlight, frames, batches, (camera, frame) => fx.Client.GetGrain<ICameraJudgeGrain>(camera).Judge(frame)));
        }
        var shelves = await Task.WhenAll(Enumerable.Range(0, Cameras).Select(i => fx.NewShelfAsync($"measure-{i}")));
        var start = fx.Time.GetUtcNow().AddMinutes(-4);
        rows.Add(await Route("production: camera's sensor grain + shelf, via SDK", 1, frames, batches, (camera, frame) =>
            fx.Store.SubmitFrameAsync(frame with { CameraId = shelves[int.Parse(camera[4..], System.Globalization.CultureInfo.InvariantCulture)].Camera.Value, CapturedAt = start.AddMilliseconds(250 * Sequence(frame)) })));
        await Write(rows, hardware);
    }

    private static Dictionary<string, object> Bare(ModelSession session, byte[][] frames, int batch)
    {
        var input = new float[batch * FrameTensor.Length];
        for (var i = 0; i < batch; i++) FrameTensor.ToChw(frames[i % frames.Length], input.AsSpan(i * FrameTensor.Length, FrameTensor.Length));
        for (var i = 0; i < 5; i++) session.Run(input, batch);
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3) || times.Count < 10)
        {
            var started = Stopwatch.GetTimestamp();
            session.Run(input, batch);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        var frameRate = times.Count * batch / times.Sum() * 1000;
        return Row($"bare InferenceSession.Run, batch {batch}", 0, frameRate, Percentile(times, 0.5), Percentile(times, 0.99), batch);
    }

    private static async Task<Dictionary<string, object>> Route(string route, int inFlight, byte[][] frames, ConcurrentQueue<int> batches,
        Func<string, CameraFrame, Task<FrameResult>> submit)
    {
        // Activate each route's grains (and JIT their code) before the clock starts.
        await Task.WhenAll(Enumerable.Range(0, Cameras).Select(c => submit($"cam-{c}",
            new CameraFrame($"cam-{c}", DateTimeOffset.UnixEpoch.AddTicks(-1), ShelfVisionContract.Width, ShelfVisionContract.Height, frames[c]))));
        batches.Clear();
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Cameras).Select(async c =>
        {
            var camera = $"cam-{c}";
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < FramesPerCamera)
                {
                    var frame = new CameraFrame(camera, DateTimeOffset.UnixEpoch.AddTicks(i), ShelfVisionContract.Width, ShelfVisionContract.Height, frames[(c + i) % frames.Length]);
                    var started = Stopwatch.GetTimestamp();
                    var result = await submit(camera, frame);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (!result.IsAccepted) Interlocked.Increment(ref failures);
                }
            }));
        }));
        clock.Stop();
        var sizes = batches.ToArray();
        var row = Row(route, inFlight, Cameras * FramesPerCamera / clock.Elapsed.TotalSeconds, Percentile([.. latencies], 0.5), Percentile([.. latencies], 0.99),
            sizes.Length == 0 ? 0 : sizes.Average());
        row["refused"] = failures;
        return row;
    }

    // The production route stamps frames 250 ms apart per camera; the measurement's frame index rides in the ticks.
    private static long Sequence(CameraFrame frame) => (frame.CapturedAt - DateTimeOffset.UnixEpoch).Ticks;

    private static Dictionary<string, object> Row(string route, int inFlight, double fps, double p50, double p99, double batch) => new()
    {
        ["route"] = route, ["in_flight_per_camera"] = inFlight, ["frames_per_s"] = Math.Round(fps, 1),
        ["p50_ms"] = Math.Round(p50, 2), ["p99_ms"] = Math.Round(p99, 2), ["mean_batch"] = Math.Round(batch, 2),
    };

    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return values.Count == 0 ? 0 : values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }

    private static async Task Write(List<Dictionary<string, object>> rows, HardwareCapabilities hardware)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Orleans.Edge.sln"))) dir = dir.Parent;
        var output = Path.Combine(dir!.FullName, "docs", "benchmarks");
        var command = "EDGE_MEASURE=1 dotnet test tests/Orleans.Edge.Store.Tests --filter InferenceRouteMeasurement";
        var facts = new Dictionary<string, object>
        {
            ["model"] = "shelf CNN (ShelfModelOnnx, random weights, fp32) on generated 128×64 frames",
            ["cameras"] = Cameras, ["frames_per_camera"] = FramesPerCamera, ["cores"] = hardware.Cores,
            ["intra_op_threads"] = hardware.IntraOpThreads, ["simd"] = string.Join(",", hardware.Simd),
            ["onnxruntime"] = OrtEnv.Instance().GetVersionString(), ["date"] = DateTimeOffset.UtcNow.ToString("u"),
        };
        await File.WriteAllTextAsync(Path.Combine(output, "inference-routes.json"),
            JsonSerializer.Serialize(new { name = "inference-routes", command, facts, rows }, Indented));
        var md = new StringBuilder($"# inference-routes\n\n`{command}`\n\n");
        foreach (var (k, v) in facts) md.Append(System.Globalization.CultureInfo.InvariantCulture, $"- {k}: {v}\n");
        var keys = rows.SelectMany(r => r.Keys).Distinct().ToList();
        md.Append("\n| ").Append(string.Join(" | ", keys)).Append(" |\n|").Append(string.Concat(keys.Select(_ => "---|"))).Append('\n');
        foreach (var row in rows) md.Append("| ").Append(string.Join(" | ", keys.Select(k => row.GetValueOrDefault(k)))).Append(" |\n");
        await File.WriteAllTextAsync(Path.Combine(output, "inference-routes.md"), md.ToString());
    }
}
