using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>
/// Detects what this machine offers for inference once, at start: cores, memory, SIMD sets,
/// ONNX Runtime's execution providers; from those it picks the session threads and the model
/// variant. The per-camera frame rate starts at the configured one and is lowered by the
/// <see cref="FrameRateGovernor"/> when the silo cannot keep up.
/// </summary>
public sealed class HardwareDetector : IHardwareCapabilitiesSource
{
    private readonly InferenceMetrics _metrics;
    private HardwareCapabilities _current;

    /// <summary>Detects now.</summary>
    public HardwareDetector(IOptions<InferenceOptions> options, InferenceMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _metrics = metrics;
        _current = Detect(options.Value);
        metrics.OnHardware(_current);
    }

    /// <inheritdoc />
    public HardwareCapabilities Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public event Action<HardwareCapabilities>? Changed;

    /// <summary>Sets the per-camera frame rate; raises <see cref="Changed"/> when it differs.</summary>
    public void SetFrameHz(double hz)
    {
        var before = Current;
        if (before.FrameHzPerCamera.Equals(hz)) return;
        var after = before with { FrameHzPerCamera = hz };
        Volatile.Write(ref _current, after);
        _metrics.OnHardware(after);
        Changed?.Invoke(after);
    }

    /// <summary>What this machine offers, with the choices <paramref name="options"/> leave to it.</summary>
    public static HardwareCapabilities Detect(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cores = Environment.ProcessorCount;
        var memoryMb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
        var simd = DetectSimd();
        return new HardwareCapabilities(cores, memoryMb, simd, ExecutionProviders(), ChooseVariant(options.ModelVariant, simd),
            options.IntraOpThreads > 0 ? options.IntraOpThreads : cores, options.FrameHzPerCamera,
            CanTrain: cores >= 2 && memoryMb >= 2048);
    }

    /// <summary>Vector instruction sets the runtime can use here.</summary>
    public static IReadOnlyList<string> DetectSimd()
    {
        var found = new List<string>();
        if (Avx2.IsSupported) found.Add("avx2");
        if (Avx512F.IsSupported) found.Add("avx512f");
        if (AvxVnni.IsSupported) found.Add("avx-vnni");
        if (AdvSimd.IsSupported) found.Add("neon");
        if (Dp.IsSupported) found.Add("neon-dotprod");
        return found;
    }

    /// <summary>
    /// fp32 or int8 as configured; <c>auto</c> picks int8 only where the processor has 8-bit dot
    /// products (AVX-VNNI, NEON dot-product): without them int8 kernels are no faster than fp32.
    /// </summary>
    public static string ChooseVariant(string preference, IReadOnlyList<string> simd)
    {
        ArgumentNullException.ThrowIfNull(simd);
        if (preference != "auto") return preference;
        return simd.Contains("avx-vnni") || simd.Contains("neon-dotprod") ? "int8" : "fp32";
    }

    /// <summary>ONNX Runtime's execution providers in this build; empty when its native library is missing.</summary>
    public static IReadOnlyList<string> ExecutionProviders()
    {
        try
        {
            return OrtEnv.Instance().GetAvailableProviders();
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or OnnxRuntimeException)
        {
            return [];
        }
    }
}
