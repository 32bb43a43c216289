using System.Diagnostics.Metrics;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>The silo's camera-inference figures, exported as <c>orleans_edge_inference_*</c> metrics.</summary>
public sealed class InferenceMetrics : IDisposable
{
    /// <summary>Name of the inference meter.</summary>
    public const string MeterName = "Orleans.Edge.Inference";

    /// <summary>Name of the per-frame latency histogram (queued to judged).</summary>
    public const string LatencyName = "orleans_edge_inference_latency_ms";

    /// <summary>Name of the batch-size histogram.</summary>
    public const string BatchSizeName = "orleans_edge_inference_batch_size";

    private readonly Meter _meter;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _run;
    private readonly Histogram<int> _batch;
    private readonly Counter<long> _modelsRefused;
    private ModelManifest? _model;
    private HardwareCapabilities? _hardware;
    private long _framesTotal;
    private long _rejectedTotal;

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/>.</summary>
    public InferenceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _frames = _meter.CreateCounter<long>("orleans_edge_inference_frames_total", description: "Camera frames judged by the shelf model and fed to their shelf");
        _rejected = _meter.CreateCounter<long>("orleans_edge_inference_frames_rejected_total", description: "Camera frames refused, by reason; a refused frame changes nothing");
        _latency = _meter.CreateHistogram<double>(LatencyName, "ms", "Time from a frame being queued for the model to its estimate");
        _run = _meter.CreateHistogram<double>("orleans_edge_inference_model_run_ms", "ms", "Time ONNX Runtime took for one batch");
        _batch = _meter.CreateHistogram<int>(BatchSizeName, description: "Frames per model run (frames from many cameras are batched)");
        _modelsRefused = _meter.CreateCounter<long>("orleans_edge_inference_models_refused_total", description: "Model versions refused at install (hash, shape, load or warm-up)");
        _meter.CreateObservableGauge("orleans_edge_inference_model_info", ModelInfo, description: "1 for the model version serving, tagged with its version, variant and SHA-256");
        _meter.CreateObservableGauge("orleans_edge_inference_frame_hz_per_camera", () => _hardware?.FrameHzPerCamera ?? 0,
            description: "Frames per second each camera may send (lowered when the silo cannot keep up)");
        _meter.CreateObservableGauge("orleans_edge_inference_hardware_info", HardwareInfo,
            description: "Logical cores, tagged with the SIMD sets, ONNX Runtime providers, model variant and intra-op threads detected");
    }

    /// <summary>Frames judged in this silo.</summary>
    public long Frames => Interlocked.Read(ref _framesTotal);

    /// <summary>Frames refused in this silo.</summary>
    public long Rejected => Interlocked.Read(ref _rejectedTotal);

    /// <summary>Counts a judged frame and its latency.</summary>
    public void OnFrame(double latencyMs)
    {
        Interlocked.Increment(ref _framesTotal);
        _frames.Add(1);
        _latency.Record(latencyMs);
    }

    /// <summary>Counts a refused frame.</summary>
    public void OnRejected(FrameRejection reason)
    {
        Interlocked.Increment(ref _rejectedTotal);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    /// <summary>Records one model run.</summary>
    public void OnBatch(int frames, double runMs)
    {
        _batch.Record(frames);
        _run.Record(runMs);
    }

    /// <summary>Records the version now serving.</summary>
    public void OnModelApplied(ModelManifest manifest) => Volatile.Write(ref _model, manifest);

    /// <summary>Counts a refused model.</summary>
    public void OnModelRejected() => _modelsRefused.Add(1);

    /// <summary>Records the machine's capabilities (again when the frame rate changes).</summary>
    public void OnHardware(HardwareCapabilities capabilities) => Volatile.Write(ref _hardware, capabilities);

    private IEnumerable<Measurement<int>> ModelInfo()
    {
        if (Volatile.Read(ref _model) is not { } m) yield break;
        yield return new Measurement<int>(1, new("version", m.Version), new("variant", m.Variant), new("sha256", m.Sha256));
    }

    private IEnumerable<Measurement<int>> HardwareInfo()
    {
        if (Volatile.Read(ref _hardware) is not { } h) yield break;
        yield return new Measurement<int>(h.Cores, new("simd", string.Join(",", h.Simd)), new("providers", string.Join(",", h.ExecutionProviders)),
            new("variant", h.ModelVariant), new("intra_op_threads", h.IntraOpThreads));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
