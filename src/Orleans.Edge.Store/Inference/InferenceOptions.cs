using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Inference;

/// <summary>Settings of the store's camera inference (configuration section <c>Edge:Inference</c>).</summary>
public sealed class InferenceOptions : IValidatedOptions
{
    /// <summary>Frames per second each camera may send; faster frames are refused as <c>Throttled</c>.</summary>
    public double FrameHzPerCamera { get; set; } = 5;

    /// <summary>The per-camera rate is never lowered below this, however slow the machine.</summary>
    public double MinFrameHzPerCamera { get; set; } = 0.5;

    /// <summary>
    /// Lower the per-camera rate when the measured model cost says the silo cannot serve every
    /// active camera at <see cref="FrameHzPerCamera"/> (and raise it back when it can).
    /// </summary>
    public bool AdaptFrameRate { get; set; } = true;

    /// <summary>Share of the silo's inference time that frames may take before the rate is lowered.</summary>
    public double BudgetFraction { get; set; } = 0.7;

    /// <summary>
    /// Most frames run through the model in one batch. 4 by default: with the shelf CNN on the
    /// 2-core machine (docs/benchmarks/inference-routes.md) one frame took 0.17 ms (p50), 4 frames
    /// 0.55 ms (twice the frames per second) and 16 frames 2.3 ms (no more frames per second, four
    /// times the wait).
    /// </summary>
    public int MaxBatch { get; set; } = 4;

    /// <summary>
    /// How long the batcher waits for more frames once one is queued. Zero (the default) batches
    /// whatever is queued when the previous batch ends: no added latency, and batches grow by
    /// themselves under load. A lone frame (the model idle, nothing queued, no burst going on) never
    /// waits for the window: it is judged at once (docs/benchmarks/inference.md).
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.Zero;

    /// <summary>Frames that may wait for the model; beyond that new frames are refused as <c>Throttled</c>.</summary>
    public int MaxQueuedFrames { get; set; } = 256;

    /// <summary>Threads one ONNX Runtime session may use; 0 picks half the cores, 1 to 4 (<see cref="HardwareDetector.DefaultIntraOpThreads"/>).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// The model variant the store asks for: <c>fp32</c>, <c>int8</c>, or <c>auto</c> (fp32 until int8
    /// is measured faster on some processor; see <see cref="HardwareDetector.ChooseVariant"/>).
    /// </summary>
    public string ModelVariant { get; set; } = "fp32";

    /// <summary>A slot must show a foreign design with at least this confidence to count as a wrong SKU.</summary>
    public double WrongSkuConfidence { get; set; } = 0.8;

    /// <summary>Camera frames in a row that must show the same foreign design in the same slot before a Mismatch alert.</summary>
    public int WrongSkuFrames { get; set; } = 2;

    /// <summary>
    /// Camera readings in a row whose units disagree with the weight's beyond the policy's tolerance
    /// before a Mismatch alert.
    /// </summary>
    public int CameraMismatchFrames { get; set; } = 2;

    /// <summary>
    /// Wrong-SKU calls raise alerts only from a model whose recorded design accuracy for this store
    /// (its manifest's <c>design_accuracy/&lt;store&gt;</c>, see <see cref="Shelves.DesignTrust"/>) is
    /// at least this; a model with no such figure is trusted. 0.9: v1 reads 99 % in the lab, 17–52 % in stores.
    /// </summary>
    public double MinDesignAccuracy { get; set; } = 0.9;

    /// <summary>An ONNX file to install at start (e.g. the demo's model v1); none when empty.</summary>
    public string? InitialModelPath { get; set; }

    /// <summary>The version name the initial model is installed as.</summary>
    public string InitialModelVersion { get; set; } = "local";

    /// <inheritdoc />
    public IEnumerable<string> Problems() => OptionRules.Collect(
        FrameHzPerCamera > 0 && double.IsFinite(FrameHzPerCamera) ? null : $"{nameof(FrameHzPerCamera)} must be positive, got {FrameHzPerCamera}",
        MinFrameHzPerCamera > 0 && MinFrameHzPerCamera <= FrameHzPerCamera ? null
            : $"{nameof(MinFrameHzPerCamera)} must be positive and at most {nameof(FrameHzPerCamera)} ({FrameHzPerCamera}), got {MinFrameHzPerCamera}",
        BudgetFraction is > 0 and <= 1 ? null : $"{nameof(BudgetFraction)} must be in (0, 1], got {BudgetFraction}",
        OptionRules.Between(MaxBatch, 1, 256, nameof(MaxBatch)),
        OptionRules.NotNegative(BatchWindow, nameof(BatchWindow)),
        OptionRules.Between(MaxQueuedFrames, 1, 100_000, nameof(MaxQueuedFrames)),
        OptionRules.Between(IntraOpThreads, 0, 1024, nameof(IntraOpThreads)),
        ModelVariant is "fp32" or "int8" or "auto" ? null : $"{nameof(ModelVariant)} must be fp32, int8 or auto, got '{ModelVariant}'",
        OptionRules.Between(WrongSkuFrames, 1, 3600, nameof(WrongSkuFrames)),
        OptionRules.Between(CameraMismatchFrames, 1, 3600, nameof(CameraMismatchFrames)),
        MinDesignAccuracy is >= 0 and <= 1 ? null : $"{nameof(MinDesignAccuracy)} must be in [0, 1], got {MinDesignAccuracy}",
        WrongSkuConfidence is > 0 and <= 1 ? null : $"{nameof(WrongSkuConfidence)} must be in (0, 1], got {WrongSkuConfidence}",
        string.IsNullOrEmpty(InitialModelPath) || File.Exists(InitialModelPath) ? null : $"{nameof(InitialModelPath)} '{InitialModelPath}' does not exist",
        EdgeId.Problem(InitialModelVersion, nameof(InitialModelVersion)));
}
