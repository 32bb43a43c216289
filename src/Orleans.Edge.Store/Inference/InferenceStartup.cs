using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Vision;

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
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var manifest = ModelManifest.ForShelfModel(options.Value.InitialModelVersion, bytes, h.ModelVariant);
        var result = await host.InstallAsync(manifest, bytes, cancellationToken);
        if (!result.Applied) throw new InvalidOperationException($"the initial shelf model '{path}' was refused: {result.Problem}");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;


    [LoggerMessage(Level = LogLevel.Information, Message = "Inference hardware: {Cores} cores, {MemoryMb} MiB, SIMD {Simd}, ONNX Runtime providers {Providers}; serving {Variant} with {IntraOpThreads} intra-op threads at {FrameHz} frames/s per camera; can train: {CanTrain}")]
    private static partial void LogCapabilities(ILogger logger, int cores, long memoryMb, string simd, string providers, string variant, int intraOpThreads, double frameHz, bool canTrain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inference frame rate per camera is now {FrameHz} frames/s")]
    private static partial void LogRate(ILogger logger, double frameHz);
}
