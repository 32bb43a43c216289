using Microsoft.ML.OnnxRuntime;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Inference;

/// <summary>
/// One loaded model version. Reference-counted: the host holds one reference while the version
/// serves, and each batch holds one while it runs, so a swapped-out session is disposed only
/// once the last batch that started on it has finished.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The session's lifetime is its reference count: the last Release disposes it.")]
public sealed class ModelSession
{
    private static readonly string[] OutputNames = [ShelfVisionContract.FillOutputName, ShelfVisionContract.SkuOutputName];
    private static readonly string[] InputNames = [ShelfVisionContract.InputName];
    private readonly InferenceSession _session;
    private int _references = 1;

    /// <summary>Loads <paramref name="onnx"/>; throws what ONNX Runtime throws for a file it cannot load.</summary>
    public ModelSession(ModelManifest manifest, byte[] onnx, SessionOptions options)
    {
        Manifest = manifest;
        _session = new InferenceSession(onnx, options);
    }

    /// <summary>The version as the registry describes it.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>The version name.</summary>
    public string Version => Manifest.Version;

    /// <summary>True once the last reference is gone and the session disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _references) == 0;

    /// <summary>The session's declared inputs and outputs, for the shape checks.</summary>
    internal InferenceSession Session => _session;

    /// <summary>Takes a reference for one run; false when the session is already disposed.</summary>
    public bool TryAddReference()
    {
        int seen;
        do
        {
            seen = Volatile.Read(ref _references);
            if (seen == 0) return false;
        }
        while (Interlocked.CompareExchange(ref _references, seen + 1, seen) != seen);
        return true;
    }

    /// <summary>Drops a reference; the last one disposes the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) _session.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="frames"/> frames packed CHW in <paramref name="input"/> and returns the
    /// fill and SKU logits, with the shapes the model produced (checked by the caller).
    /// </summary>
    public ModelOutput Run(float[] input, int frames)
    {
        long[] shape = [frames, 3, ShelfVisionContract.Height, ShelfVisionContract.Width];
        var length = frames * 3 * ShelfVisionContract.Height * ShelfVisionContract.Width;
        using var tensor = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, length), shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, InputNames, [tensor], OutputNames);
        return new ModelOutput(
            outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape,
            outputs[1].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorTypeAndShape().Shape);
    }
}

/// <summary>The model's raw outputs for one batch.</summary>
public sealed record ModelOutput(float[] Fill, long[] FillShape, float[] Sku, long[] SkuShape)
{
    /// <summary>Null when both outputs are [frames, Slots, classes] as the contract says; otherwise the problem.</summary>
    public string? ShapeProblem(int frames)
    {
        string Describe(long[] s) => $"[{string.Join(", ", s)}]";
        if (!FillShape.SequenceEqual([frames, ShelfVisionContract.Slots, ShelfVisionContract.FillClasses]))
            return $"output '{ShelfVisionContract.FillOutputName}' has shape {Describe(FillShape)}, the contract says [{frames}, {ShelfVisionContract.Slots}, {ShelfVisionContract.FillClasses}]";
        if (!SkuShape.SequenceEqual([frames, ShelfVisionContract.Slots, ShelfVisionContract.SkuDesigns]))
            return $"output '{ShelfVisionContract.SkuOutputName}' has shape {Describe(SkuShape)}, the contract says [{frames}, {ShelfVisionContract.Slots}, {ShelfVisionContract.SkuDesigns}]";
        if (Array.Exists(Fill, f => !float.IsFinite(f)) || Array.Exists(Sku, f => !float.IsFinite(f)))
            return "the model produced NaN or infinite logits";
        return null;
    }
}
