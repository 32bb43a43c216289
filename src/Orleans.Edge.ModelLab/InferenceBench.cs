using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.ModelLab;

/// <summary>bench: the ceiling for the store's grain path, a bare <c>InferenceSession.Run</c> on generated frames.</summary>
internal static class InferenceBench
{
    public static async Task RunAsync(string modelPath, int threads, int[] batchSizes, int frames, string output, TextWriter log, CancellationToken ct)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(modelPath, options);
        var data = LabDataset.Generate(CameraDomain.ForStore("eu-s1"), 77, Math.Max(64, batchSizes.Max() * 4), 1);
        var rows = new List<BenchRow>();
        foreach (var batch in batchSizes)
        {
            var row = Time(session, threads, batch, frames, data, ct);
            rows.Add(row);
            log.WriteLine($"batch {batch,2} threads {threads}: p50 {row.P50MsPerFrame:F3} ms/frame, p99 {row.P99MsPerFrame:F3} ms/frame, {row.FramesPerSecond:F0} frames/s");
        }
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, $"bare-ort-{Path.GetFileNameWithoutExtension(modelPath)}-t{threads}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { model = modelPath, processor_count = Environment.ProcessorCount, rows }, TrainCommand.JsonOptions), ct);
        log.WriteLine($"wrote {path}");
    }

    /// <summary>Cost per frame of <paramref name="session"/> at <paramref name="batch"/>: 20 warm-up runs, then timed runs over four batches of <paramref name="data"/>.</summary>
    public static BenchRow Time(InferenceSession session, int threads, int batch, int frames, LabDataset data, CancellationToken ct)
    {
        var inputs = Enumerable.Range(0, 4).Select(k => new DenseTensor<float>(
            data.Batch(Enumerable.Range(k * batch, batch).ToArray()), [batch, 3, C.Height, C.Width])).ToArray();
        for (var i = 0; i < 20; i++) Run(session, inputs[i % 4]);
        var calls = Math.Max(10, frames / batch);
        var perFrameMs = new double[calls];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            ct.ThrowIfCancellationRequested();
            var t = Stopwatch.GetTimestamp();
            Run(session, inputs[i % 4]);
            perFrameMs[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds / batch;
        }
        var fps = calls * batch / total.Elapsed.TotalSeconds;
        Array.Sort(perFrameMs);
        return new BenchRow(batch, threads, calls * batch, Math.Round(perFrameMs[calls / 2], 3), Math.Round(perFrameMs[(int)(calls * 0.99)], 3), Math.Round(fps, 0));
    }

    private static void Run(InferenceSession session, DenseTensor<float> input)
    {
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, input)]);
        _ = results[0].AsTensor<float>()[0, 0, 0];
    }
}

/// <summary>One batch size's cost per frame.</summary>
internal sealed record BenchRow(int Batch, int Threads, int Frames, double P50MsPerFrame, double P99MsPerFrame, double FramesPerSecond);
