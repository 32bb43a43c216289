using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.OnnxRuntime;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;

namespace Orleans.Edge.ModelLab;

/// <summary>train: lab frames → TorchSharp → ONNX → accuracy per domain, measured with ONNX Runtime.</summary>
internal static class TrainCommand
{
    /// <summary>Evaluation frames use this seed in every domain: the same shelves through each store's camera.</summary>
    public const ulong EvalSeed = 1_000_003;

    public static async Task RunAsync(TrainingOptions o, string name, string output, string command, TextWriter log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (weights, exportDiff) = Trainer.Train(o, log);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var onnx = ShelfModelOnnx.Write(weights);
        Directory.CreateDirectory(output);
        var modelPath = Path.Combine(output, name + ".onnx");
        await File.WriteAllBytesAsync(modelPath, onnx, ct);
        var sha = Models.ArtifactNames.Sha256Of(onnx);
        log.WriteLine($"wrote {modelPath} ({onnx.Length} bytes, sha256 {sha})");

        using var sessionOptions = new SessionOptions { IntraOpNumThreads = o.Threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, sessionOptions);
        var domains = new[] { CameraDomain.Lab }.Concat(o.Stores.Select(CameraDomain.ForStore));
        var accuracy = new List<DomainAccuracy>();
        foreach (var domain in domains)
        {
            var data = LabDataset.Generate(domain, EvalSeed, o.EvalFrames, o.Threads);
            var a = OnnxEvaluator.Evaluate(session, data, domain.Name);
            accuracy.Add(a);
            log.WriteLine(Describe(a));
        }

        var report = new TrainingReport(name, sha, onnx.Length, command, o, Math.Round(trainSeconds, 1), Environment.ProcessorCount,
            ShelfModelArchitecture.Name, ShelfModelOnnx.Opset, exportDiff, accuracy);
        var reportPath = Path.Combine(output, name + ".report.json");
        await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, JsonOptions), ct);
        log.WriteLine($"wrote {reportPath}; total {clock.Elapsed.TotalSeconds:F0} s");
    }

    public static string Describe(DomainAccuracy a) =>
        $"{a.Domain,-6} fill {a.FillAccuracy:P1} (unoccluded {a.FillAccuracyUnoccluded:P1}) design {a.DesignAccuracy:P1} wrong-sku {a.WrongSkuAccuracy:P1} (recall {a.WrongSkuRecall:P1}, precision {a.WrongSkuPrecision:P1})";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>What a training run produced and how well it reads each domain.</summary>
internal sealed record TrainingReport(
    string Model,
    string Sha256,
    long SizeBytes,
    string Command,
    TrainingOptions Options,
    double TrainSeconds,
    int ProcessorCount,
    string Architecture,
    int Opset,
    float ExportMaxAbsDiff,
    IReadOnlyList<DomainAccuracy> Domains);
