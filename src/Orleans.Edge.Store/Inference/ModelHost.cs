using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Domain;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>
/// The silo's shelf model: installs a version only after it has checked the manifest and the
/// bytes, loaded the session, checked its declared tensors and warmed it up on a test batch whose
/// outputs have the contract's shapes; then swaps it in by reference. Batches already running
/// finish on the session they started with (see <see cref="ModelSession"/>). A model that fails
/// any step is refused with the reason, and the version serving keeps serving.
/// </summary>
public sealed partial class ModelHost(
    IHardwareCapabilitiesSource hardware,
    InferenceMetrics metrics,
    ILogger<ModelHost> logger) : IModelInstaller, IDisposable
{
    private readonly SemaphoreSlim _installing = new(1, 1);
    private ModelSession? _current;

    /// <inheritdoc />
    public string? CurrentVersion => Volatile.Read(ref _current)?.Version;

    /// <summary>The manifest of the version serving, or null before the first model.</summary>
    public ModelManifest? CurrentManifest => Volatile.Read(ref _current)?.Manifest;

    /// <summary>Why the last refused model was refused, or null.</summary>
    public ModelApplyResult? LastRejection { get; private set; }

    /// <summary>
    /// The serving session with a reference taken for one run, or null before the first model.
    /// The caller must <see cref="ModelSession.Release"/> it.
    /// </summary>
    public ModelSession? Acquire()
    {
        while (true)
        {
            var session = Volatile.Read(ref _current);
            if (session is null) return null;
            // Fails only when this session was swapped out and its last run ended meanwhile: read again.
            if (session.TryAddReference()) return session;
        }
    }

    /// <inheritdoc />
    public async Task<ModelApplyResult> InstallAsync(ModelManifest manifest, ReadOnlyMemory<byte> onnx, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _installing.WaitAsync(cancellationToken);
        try
        {
            var serving = Volatile.Read(ref _current);
            if (serving is not null && serving.Version == manifest.Version)
                return serving.Manifest.Sha256 == manifest.Sha256
                    ? new ModelApplyResult(true, manifest.Version, null)
                    : Refuse(manifest, $"version '{manifest.Version}' is already serving with SHA-256 {serving.Manifest.Sha256}, not {manifest.Sha256}");
            if (ModelChecks.ManifestProblem(manifest, onnx.Span) is { } problem) return Refuse(manifest, problem);

            // Loading and the warm-up are CPU work of tens of milliseconds or more: off the caller's scheduler.
            var bytes = onnx.ToArray();
            var (candidate, loadProblem) = await Task.Run(() => Load(manifest, bytes), cancellationToken);
            if (candidate is null) return Refuse(manifest, loadProblem!);

            var old = Interlocked.Exchange(ref _current, candidate);
            old?.Release();
            LastRejection = null;
            metrics.OnModelApplied(manifest);
            LogApplied(logger, manifest.Version, manifest.Sha256, manifest.Variant, old?.Version ?? "none");
            return new ModelApplyResult(true, manifest.Version, null);
        }
        finally
        {
            _installing.Release();
        }
    }

    private (ModelSession? Session, string? Problem) Load(ModelManifest manifest, byte[] onnx)
    {
        ModelSession session;
        try
        {
            using var options = SessionOptionsFor(hardware.Current);
            session = new ModelSession(manifest, onnx, options);
        }
        catch (OnnxRuntimeException ex)
        {
            return (null, $"ONNX Runtime could not load it: {ex.Message}");
        }
        string? problem;
        try
        {
            problem = ModelChecks.DeclaredProblem(session.Session) ?? ModelChecks.WarmUpProblem(session);
        }
        catch (OnnxRuntimeException ex)
        {
            problem = $"the warm-up run failed: {ex.Message}";
        }
        if (problem is null) return (session, null);
        session.Release();
        return (null, problem);
    }

    /// <summary>Session options from what the machine offers: intra-op threads and full graph optimisation.</summary>
    public static SessionOptions SessionOptionsFor(HardwareCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        return new SessionOptions
        {
            IntraOpNumThreads = capabilities.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
    }

    private ModelApplyResult Refuse(ModelManifest manifest, string problem)
    {
        var result = new ModelApplyResult(false, manifest.Version, problem);
        LastRejection = result;
        metrics.OnModelRejected();
        LogRefused(logger, manifest.Version, problem, CurrentVersion ?? "none");
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Interlocked.Exchange(ref _current, null)?.Release();
        _installing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shelf model {Version} ({Sha256}, {Variant}) now serves; replaced {Previous}")]
    private static partial void LogApplied(ILogger logger, string version, string sha256, string variant, string previous);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shelf model {Version} refused: {Problem}; {Serving} keeps serving")]
    private static partial void LogRefused(ILogger logger, string version, string problem, string serving);
}

/// <summary>The checks a model passes before it may serve.</summary>
public static class ModelChecks
{
    private static readonly int[] InputShape = ShelfVisionContract.InputShape();
    private static readonly int[] FillShape = ShelfVisionContract.FillShape();
    private static readonly int[] SkuShape = ShelfVisionContract.SkuShape();

    /// <summary>Frames in the warm-up batch: more than one, since the store batches across cameras.</summary>
    public const int WarmUpFrames = 2;

    /// <summary>What is wrong with the manifest or the bytes it describes, or null.</summary>
    public static string? ManifestProblem(ModelManifest manifest, ReadOnlySpan<byte> onnx)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (EdgeId.Problem(manifest.Version, "model version") is { } id) return id;
        if (manifest.SizeBytes != onnx.Length) return $"the manifest says {manifest.SizeBytes} bytes, the artifact has {onnx.Length}";
        var sha = Orleans.Edge.Models.ArtifactNames.Sha256Of(onnx);
        if (!string.Equals(sha, manifest.Sha256, StringComparison.Ordinal)) return $"the artifact's SHA-256 is {sha}, the manifest says {manifest.Sha256}";
        if (!Same(manifest.InputShape, InputShape)) return $"the manifest's input shape {Show(manifest.InputShape)} is not the contract's {Show(InputShape)}";
        if (!Same(manifest.FillShape, FillShape)) return $"the manifest's fill shape {Show(manifest.FillShape)} is not the contract's {Show(FillShape)}";
        if (!Same(manifest.SkuShape, SkuShape)) return $"the manifest's sku shape {Show(manifest.SkuShape)} is not the contract's {Show(SkuShape)}";
        return null;
    }

    /// <summary>What is wrong with the tensors the loaded session declares, or null (a symbolic dimension matches anything).</summary>
    public static string? DeclaredProblem(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Declared(session.InputMetadata, ShelfVisionContract.InputName, InputShape, "input")
            ?? Declared(session.OutputMetadata, ShelfVisionContract.FillOutputName, FillShape, "output")
            ?? Declared(session.OutputMetadata, ShelfVisionContract.SkuOutputName, SkuShape, "output");
    }

    /// <summary>Runs a mid-grey batch of <see cref="WarmUpFrames"/> frames and checks what comes out.</summary>
    public static string? WarmUpProblem(ModelSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var input = new float[WarmUpFrames * FrameTensor.Length];
        Array.Fill(input, 0.5f);
        var problem = session.Run(input, WarmUpFrames).ShapeProblem(WarmUpFrames);
        return problem is null ? null : $"the warm-up run's {problem}";
    }

    private static string? Declared(IReadOnlyDictionary<string, NodeMetadata> tensors, string name, int[] expected, string what)
    {
        if (!tensors.TryGetValue(name, out var meta))
            return $"the model has no {what} named '{name}' (it has {string.Join(", ", tensors.Keys.Select(k => $"'{k}'"))})";
        if (meta.ElementDataType != TensorElementType.Float) return $"{what} '{name}' is {meta.ElementDataType}, the contract says float32";
        var dims = meta.Dimensions;
        var fits = dims.Length == expected.Length && dims.Zip(expected).All(p => p.First < 0 || p.Second < 0 || p.First == p.Second);
        return fits ? null : $"{what} '{name}' is declared {Show(dims)}, the contract says {Show(expected)}";
    }

    private static bool Same(int[]? a, int[] b) => a is not null && a.AsSpan().SequenceEqual(b);

    private static string Show(int[]? shape) => shape is null ? "(none)" : $"[{string.Join(", ", shape)}]";
}
