using System.Collections.Concurrent;
using Orleans.Edge.Vision;

namespace Orleans.Edge.EndToEnd.Tests.Models;

/// <summary>
/// Stands in for the store's real model host (ONNX Runtime, another part of the system): takes
/// every model, records the bytes it got, and serves the last one.
/// </summary>
public sealed class FakeModelInstaller : IModelInstaller
{
    private volatile string? _current;

    /// <summary>Every model offered, in order, with its bytes.</summary>
    public ConcurrentQueue<(ModelManifest Manifest, byte[] Bytes)> Offered { get; } = new();

    public string? CurrentVersion => _current;

    public Task<ModelApplyResult> InstallAsync(ModelManifest manifest, ReadOnlyMemory<byte> onnx, CancellationToken cancellationToken)
    {
        Offered.Enqueue((manifest, onnx.ToArray()));
        _current = manifest.Version;
        return Task.FromResult(new ModelApplyResult(true, manifest.Version, null));
    }

    /// <summary>The bytes last offered as <paramref name="version"/>, or null.</summary>
    public byte[]? BytesOf(string version) => Offered.LastOrDefault(o => o.Manifest.Version == version).Bytes;
}

/// <summary>Stands in for the store's hardware detection (another part of the system); the frame rate can be lowered.</summary>
public sealed class FakeHardware : IHardwareCapabilitiesSource
{
    public HardwareCapabilities Current { get; private set; } = new(2, 3906, ["avx2"], ["CPUExecutionProvider"], "fp32", 1, 5, false);

    public event Action<HardwareCapabilities>? Changed;

    /// <summary>The store now serves <paramref name="variant"/> models (fp32, int8).</summary>
    public void ServeVariant(string variant)
    {
        Current = Current with { ModelVariant = variant };
        Changed?.Invoke(Current);
    }

    public void LowerFrameRate(double hz)
    {
        Current = Current with { FrameHzPerCamera = hz };
        Changed?.Invoke(Current);
    }
}
