using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.ModelLab;

/// <summary>
/// quantize: builds the int8 variant of an fp32 shelf model and compares the two in one run, on this
/// machine: size, the kernels ONNX Runtime really runs (from its optimised graph), latency of a bare
/// <c>InferenceSession.Run</c> and accuracy per domain.
/// </summary>
internal static class QuantizeCommand
{
    public static async Task RunAsync(string? modelPath, int frames, int evalFrames, string output, string reportFolder, string command, TextWriter log, CancellationToken ct)
    {
        var loadAtStart = await LoadAverageAsync(ct);
        var fp32 = modelPath is null ? ShelfModels.V1Bytes() : await File.ReadAllBytesAsync(modelPath, ct);
        var started = Stopwatch.StartNew();
        var int8 = ShelfModelOnnx.Write(ShelfModelWeights.FromOnnx(fp32), "int8");
        var quantizeSeconds = started.Elapsed.TotalSeconds;
        Directory.CreateDirectory(output);
        var name = modelPath is null ? ShelfModels.V1Version : Path.GetFileNameWithoutExtension(modelPath);
        var int8Path = Path.Combine(output, $"{name}-int8.onnx");
        await File.WriteAllBytesAsync(int8Path, int8, ct);
        log.WriteLine($"quantized in {quantizeSeconds:F1} s: {int8Path}, {int8.Length:N0} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(int8))}");

        var variants = new List<object>();
        var md = new StringBuilder();
        var evalDomains = TrainingOptions.DefaultStores.Select(CameraDomain.ForStore).Prepend(CameraDomain.Lab).ToArray();
        var evalData = evalDomains.Select(d => LabDataset.Generate(d, TrainCommand.EvalSeed, evalFrames, 1)).ToArray();
        var benchData = LabDataset.Generate(CameraDomain.ForStore("eu-s1"), 77, 64, 1);
        foreach (var (variant, bytes) in new[] { ("fp32", fp32), ("int8", int8) })
        {
            var optimized = Path.Combine(output, $"{name}-{variant}.optimized.onnx");
            using (var o = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
            using (new InferenceSession(bytes, o)) { }
            var ops = global::Onnx.ModelProto.Parser.ParseFrom(await File.ReadAllBytesAsync(optimized, ct)).Graph.Node
                .GroupBy(n => string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}")
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
            log.WriteLine($"{variant}: {bytes.Length:N0} bytes; optimised graph runs {string.Join(", ", ops.Select(kv => $"{kv.Key}×{kv.Value}"))}");

            var rows = new List<BenchRow>();
            foreach (var threads in new[] { 1, 2 })
            {
                foreach (var batch in new[] { 1, 4 })
                {
                    rows.Add(Time(bytes, threads, batch, frames, benchData, ct));
                    var r = rows[^1];
                    log.WriteLine($"{variant} batch {batch} threads {threads}: p50 {r.P50MsPerFrame:F3} p99 {r.P99MsPerFrame:F3} ms/frame, {r.FramesPerSecond:F0} frames/s");
                }
            }
            using var session = new InferenceSession(bytes, new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
            var accuracy = evalDomains.Select((d, i) => OnnxEvaluator.Evaluate(session, evalData[i], d.Name)).ToArray();
            foreach (var a in accuracy) log.WriteLine($"{variant} {TrainCommand.Describe(a)}");
            if (variant == "int8")
            {
                await File.WriteAllTextAsync(Path.Combine(output, $"{name}-int8.report.json"), JsonSerializer.Serialize(new
                {
                    model = $"{name}-int8", sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), size_bytes = bytes.Length, command,
                    from_sha256 = Convert.ToHexStringLower(SHA256.HashData(fp32)), calibration = $"{ShelfModelQuantizer.CalibrationFrames} lab frames, seed {ShelfModelQuantizer.CalibrationSeed}",
                    domains = accuracy,
                }, TrainCommand.JsonOptions), ct);
            }
            variants.Add(new { variant, size_bytes = bytes.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), optimized_ops = ops, latency = rows, accuracy });
            md.AppendLine(CultureInfo.InvariantCulture, $"### {variant}: {bytes.Length:N0} bytes").AppendLine()
              .AppendLine(CultureInfo.InvariantCulture, $"Optimised graph: {string.Join(", ", ops.Select(kv => $"{kv.Key}×{kv.Value}"))}").AppendLine()
              .AppendLine("| batch | intra-op threads | p50 ms/frame | p99 ms/frame | frames/s |").AppendLine("|---|---|---|---|---|");
            foreach (var r in rows) md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Batch} | {r.Threads} | {r.P50MsPerFrame:F3} | {r.P99MsPerFrame:F3} | {r.FramesPerSecond:F0} |");
            md.AppendLine().AppendLine("| domain | fill | design | wrong-SKU flag |").AppendLine("|---|---|---|---|");
            foreach (var a in accuracy) md.AppendLine(CultureInfo.InvariantCulture, $"| {a.Domain} | {a.FillAccuracy:P1} | {a.DesignAccuracy:P1} | {a.WrongSkuAccuracy:P1} |");
            md.AppendLine();
        }
        var load = $"start {loadAtStart}; end {await LoadAverageAsync(ct)}";
        Directory.CreateDirectory(reportFolder);
        var report = new { command, loadavg = load, processor_count = Environment.ProcessorCount, quantize_seconds = Math.Round(quantizeSeconds, 2), eval_frames_per_domain = evalFrames, timed_frames = frames, variants };
        await File.WriteAllTextAsync(Path.Combine(reportFolder, "vision-int8.json"), JsonSerializer.Serialize(report, TrainCommand.JsonOptions), ct);
        await File.WriteAllTextAsync(Path.Combine(reportFolder, "vision-int8.md"),
            $"# Shelf model v1: fp32 vs int8\n\n`{command}`\n\n{Environment.ProcessorCount} cores, load average (/proc/loadavg) {load}\n\n{md}", ct);
        log.WriteLine($"wrote {reportFolder}/vision-int8.json and .md; loadavg {load}");
    }

    private static async Task<string> LoadAverageAsync(CancellationToken ct) =>
        File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg", ct)).Trim() : "n/a";

    private static BenchRow Time(byte[] model, int threads, int batch, int frames, LabDataset data, CancellationToken ct)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        return InferenceBench.Time(session, threads, batch, frames, data, ct);
    }
}
