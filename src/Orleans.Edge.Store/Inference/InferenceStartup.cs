using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Onnx;

namespace Orleans.Edge.Store.Inference;

/// <summary>At start: logs what the machine offers for inference and installs the configured initial model, if any.</summary>
public sealed partial class InferenceStartup(
    IHardwareCapabilitiesSource hardware,
    ModelHost host,
    IOptions<InferenceOptions> options,
    ILogger<InferenceStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var h = hardware.Current;
        LogCapabilities(logger, h.Cores, h.MemoryMb, string.Join(",", h.Simd), string.Join(",", h.ExecutionProviders), h.ModelVariant,
            h.IntraOpThreads, h.FrameHzPerCamera, h.CanTrain);
        hardware.Changed += c => LogRate(logger, c.FrameHzPerCamera);
        if (options.Value.InitialModelPath is not { Length: > 0 } path) return;
        var (bytes, variant) = InVariant(await File.ReadAllBytesAsync(path, cancellationToken), h.ModelVariant);
        if (variant != h.ModelVariant) LogVariantUnavailable(logger, path, h.ModelVariant, variant);
        // The manifest names the bytes actually served and their real variant, never just the one asked for.
        var manifest = ModelManifest.ForShelfModel(options.Value.InitialModelVersion, bytes, variant);
        var result = await host.InstallAsync(manifest, bytes, cancellationToken);
        if (!result.Applied) throw new InvalidOperationException($"the initial shelf model '{path}' was refused: {result.Problem}");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The model in <paramref name="wanted"/> when it can be had: the file itself if it already is
    /// that variant; for an fp32 shelf model and int8 wanted, the embedded int8 v1 when the file is
    /// v1, else the file quantized here (deterministic, about 2 s of CPU). Otherwise the file as it
    /// is, with its own variant.
    /// </summary>
    public static (byte[] Bytes, string Variant) InVariant(byte[] onnx, string wanted)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        var actual = ShelfModelOnnx.VariantOf(onnx) ?? "fp32";
        if (actual == wanted || wanted != "int8" || actual != "fp32") return (onnx, actual);
        if (onnx.AsSpan().SequenceEqual(ShelfModels.V1Bytes())) return (ShelfModels.V1Int8Bytes(), "int8");
        try
        {
            return (ShelfModelOnnx.Write(ShelfModelWeights.FromOnnx(onnx), "int8"), "int8");
        }
        catch (ArgumentException)
        {
            return (onnx, actual);   // not the shelf architecture: no weights to quantize
        }
    }


    [LoggerMessage(Level = LogLevel.Information, Message = "Inference hardware: {Cores} cores, {MemoryMb} MiB, SIMD {Simd}, ONNX Runtime providers {Providers}; serving {Variant} with {IntraOpThreads} intra-op threads at {FrameHz} frames/s per camera; can train: {CanTrain}")]
    private static partial void LogCapabilities(ILogger logger, int cores, long memoryMb, string simd, string providers, string variant, int intraOpThreads, double frameHz, bool canTrain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The initial model {Path} cannot be served as {Wanted}; serving it as {Actual}")]
    private static partial void LogVariantUnavailable(ILogger logger, string path, string wanted, string actual);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inference frame rate per camera is now {FrameHz} frames/s")]
    private static partial void LogRate(ILogger logger, double frameHz);
}
