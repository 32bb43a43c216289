namespace Orleans.Edge.Vision.Onnx;

/// <summary>
/// The parameters of the shelf CNN by name (see <see cref="ShelfModelArchitecture.Parameters"/>),
/// each flattened row-major in its declared shape.
/// </summary>
public sealed class ShelfModelWeights
{
    private readonly Dictionary<string, float[]> _tensors;

    private ShelfModelWeights(Dictionary<string, float[]> tensors) => _tensors = tensors;

    /// <summary>The tensors by parameter name.</summary>
    public IReadOnlyDictionary<string, float[]> Tensors => _tensors;

    /// <summary>One parameter tensor.</summary>
    public float[] this[string name] => _tensors[name];

    /// <summary>Weights from named tensors; every parameter must be present with its declared length.</summary>
    public static ShelfModelWeights FromTensors(IReadOnlyDictionary<string, float[]> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var copy = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, shape) in ShelfModelArchitecture.Parameters)
        {
            if (!tensors.TryGetValue(name, out var values)) throw new ArgumentException($"missing parameter '{name}'", nameof(tensors));
            var expected = ShelfModelArchitecture.Elements(shape);
            if (values.Length != expected)
                throw new ArgumentException($"parameter '{name}' has {values.Length} values; shape [{string.Join(',', shape)}] needs {expected}", nameof(tensors));
            copy[name] = (float[])values.Clone();
        }
        var extra = tensors.Keys.FirstOrDefault(k => !copy.ContainsKey(k));
        return extra is null ? new ShelfModelWeights(copy) : throw new ArgumentException($"unknown parameter '{extra}'", nameof(tensors));
    }

    /// <summary>
    /// Reads the weights back from a model written by <see cref="ShelfModelOnnx.Write"/> (e.g. v1 as the
    /// starting point of a store's fine-tuning). Throws for a model of another architecture.
    /// </summary>
    public static ShelfModelWeights FromOnnx(ReadOnlySpan<byte> onnx)
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(onnx);
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var initializer in model.Graph.Initializer)
        {
            if (initializer.DataType != (int)global::Onnx.TensorProto.Types.DataType.Float) continue;
            var raw = initializer.RawData.Span;
            var values = new float[raw.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
                values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
            tensors[initializer.Name] = values;
        }
        return FromTensors(tensors);
    }

    /// <summary>
    /// Deterministic He-uniform weights and small biases: an untrained but well-scaled model, made in
    /// milliseconds, for tests anywhere that need a valid ONNX file.
    /// </summary>
    public static ShelfModelWeights Random(int seed)
    {
        var r = new Frames.SplitMixRandom(Frames.SplitMixRandom.Mix(0x5EEDUL, (ulong)seed));
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var fanIn = 1;
        foreach (var (name, shape) in ShelfModelArchitecture.Parameters)
        {
            var values = new float[ShelfModelArchitecture.Elements(shape)];
            if (shape.Length > 1) fanIn = values.Length / shape[0];
            var bound = shape.Length > 1 ? MathF.Sqrt(6f / fanIn) : 1f / MathF.Sqrt(fanIn);
            for (var i = 0; i < values.Length; i++) values[i] = r.Range(-bound, bound);
            tensors[name] = values;
        }
        return new ShelfModelWeights(tensors);
    }
}
