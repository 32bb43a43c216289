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
            options.IntraOpThreads > 0 ? options.IntraOpThreads : DefaultIntraOpThreads(cores), options.FrameHzPerCamera,
            CanTrain: cores >= 2 && memoryMb >= 2048);
    }

    /// <summary>
    /// Half the cores, 1 to 4: the silo's scheduler needs the rest, and a shelf model this small gains
    /// little from more. With every core, a frame waits for ONNX Runtime's second thread to get a core
    /// behind Orleans' own: on 2 cores the bare-session p99 was 4.4 ms with 2 threads and 0.45 ms with 1
    /// (docs/benchmarks/inference.md, section c).
    /// </summary>
    public static int DefaultIntraOpThreads(int cores) => Math.Clamp(cores / 2, 1, 4);

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
    /// fp32 or int8 as configured; <c>auto</c> picks fp32, by evidence: on a 2-vCPU AMD EPYC with
    /// AVX2, AVX-512 and AVX-VNNI, the int8 shelf model (ONNX Runtime really runs QLinearConv there)
    /// took 0.29–0.35 ms per frame at p50 against fp32's 0.22–0.24 ms, at batch 1 and 4 with 1 or 2
    /// intra-op threads, for the same accuracy (docs/benchmarks/vision-int8.md). The model is so small
    /// (20 M multiply-adds) that quantizing, layout reorders and the fp32 heads cost more than the 8-bit
    /// dot products save. int8 stays available when configured; <c>auto</c> should pick it only on a
    /// processor where a measurement shows it faster, and there is none yet.
    /// </summary>
    public static string ChooseVariant(string preference, IReadOnlyList<string> simd)
    {
        ArgumentNullException.ThrowIfNull(simd);
        return preference == "auto" ? "fp32" : preference;
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
