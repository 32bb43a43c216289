using Google.Protobuf;
using Onnx;
using static Orleans.Edge.Vision.Onnx.ShelfModelArchitecture;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Vision.Onnx;

/// <summary>
/// Writes the shelf CNN (<see cref="ShelfModelArchitecture"/>) with given weights as an ONNX model
/// that honours <see cref="ShelfVisionContract"/>: opset 17, a symbolic batch dimension <c>N</c>.
/// The output is deterministic: the same weights give the same bytes.
/// </summary>
public static class ShelfModelOnnx
{
    /// <summary>ONNX operator set the model is written for.</summary>
    public const int Opset = 17;

    /// <summary>Variants this writer produces.</summary>
    public static IReadOnlyList<string> Variants { get; } = ["fp32", "int8"];

    private const long IrVersion = 8;

    /// <summary>The model's ONNX bytes.</summary>
    /// <param name="weights">Trained or <see cref="ShelfModelWeights.Random"/> weights.</param>
    /// <param name="variant">
    /// <c>fp32</c>, or <c>int8</c>: <see cref="ShelfModelQuantizer"/> calibrated on its default lab frames.
    /// </param>
    public static byte[] Write(ShelfModelWeights weights, string variant = "fp32")
    {
        ArgumentNullException.ThrowIfNull(weights);
        return variant switch
        {
            "fp32" => Build(weights, variant, C.FillClasses).ToByteArray(),
            "int8" => ShelfModelQuantizer.Quantize(weights, ShelfModelQuantizer.LabCalibrationFrames()),
            _ => throw new ArgumentException($"variant '{variant}' is not written yet; supported: {string.Join(", ", Variants)}", nameof(variant)),
        };
    }

    /// <summary>The <c>variant</c> metadata of a shelf model's bytes; null when it has none or is not ONNX.</summary>
    public static string? VariantOf(ReadOnlySpan<byte> onnx)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(onnx).MetadataProps.FirstOrDefault(p => p.Key == "variant")?.Value;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>
    /// FOR REJECTION TESTS ONLY: a model that loads and runs but whose <c>fill</c> output is
    /// [N, 8, 4] instead of [N, 8, 3], so a store must refuse it.
    /// </summary>
    public static byte[] WriteWithWrongOutputShape(ShelfModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return Build(weights, "fp32", C.FillClasses + 1).ToByteArray();
    }

    private static ModelProto Build(ShelfModelWeights w, string variant, int fillClasses)
    {
        var g = new OnnxGraph("shelf");
        var n = DimParamOrValue.New("N");
        g.Input(C.InputName, n, DimParamOrValue.New(3), DimParamOrValue.New(C.Height), DimParamOrValue.New(C.Width));

        foreach (var (name, shape) in Parameters)
        {
            if (fillClasses != C.FillClasses && name.StartsWith("fill.", StringComparison.Ordinal)) continue;
            g.Floats(name, shape, w[name]);
        }
        if (fillClasses != C.FillClasses) AddPaddedFill(g, w, fillClasses);

        var x = ConvRelu(g, "conv1", C.InputName, 3);
        x = g.Node("MaxPool", "pool1", [x], OnnxGraph.Ints("kernel_shape", 2, 2), OnnxGraph.Ints("strides", 2, 2));
        x = ConvRelu(g, "conv2", x, 3);
        x = g.Node("MaxPool", "pool2", [x], OnnxGraph.Ints("kernel_shape", 2, 2), OnnxGraph.Ints("strides", 2, 2));
        x = ConvRelu(g, "conv3", x, 3);
        x = g.Node("AveragePool", "bands", [x], OnnxGraph.Ints("kernel_shape", SlotPool, SlotPool), OnnxGraph.Ints("strides", SlotPool, SlotPool));
        x = g.Node("Conv", "head", [x, "head.weight", "head.bias"], OnnxGraph.Ints("kernel_shape", Bands, 1));
        x = g.Node("Relu", "head.relu", [x]);

        Head(g, "fill", x, fillClasses, C.FillOutputName, n);
        Head(g, "sku", x, C.SkuDesigns, C.SkuOutputName, n);

        return Wrap(g, variant);
    }

    /// <summary>The model around a finished graph: IR version, opset, the architecture and variant metadata.</summary>
    internal static ModelProto Wrap(OnnxGraph g, string variant)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Orleans.Edge.Vision",
            ProducerVersion = Name,
            Graph = g.Proto,
            DocString = $"Shelf model {Name}: frames [N,3,{C.Height},{C.Width}] 0..1 -> fill [N,{C.Slots},{C.FillClasses}], sku [N,{C.Slots},{C.SkuDesigns}] logits.",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "architecture", Value = Name });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "variant", Value = variant });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "contract", Value = $"{C.Width}x{C.Height}/{C.Slots}/{C.FillClasses}/{C.SkuDesigns}" });
        return model;
    }

    private static string ConvRelu(OnnxGraph g, string layer, string input, int kernel)
    {
        var conv = g.Node("Conv", layer, [input, layer + ".weight", layer + ".bias"],
            OnnxGraph.Ints("kernel_shape", kernel, kernel), OnnxGraph.Ints("pads", 1, 1, 1, 1));
        return g.Node("Relu", layer + ".relu", [conv]);
    }

    /// <summary>1x1 conv to <paramref name="classes"/> logits per slot, then [N,C,1,S] → [N,S,C].</summary>
    internal static void Head(OnnxGraph g, string layer, string input, int classes, string output, DimParamOrValue n)
    {
        var logits = g.Node("Conv", layer + ".logits", [input, layer + ".weight", layer + ".bias"], OnnxGraph.Ints("kernel_shape", 1, 1));
        var shape = g.Int64s(layer + ".shape", [0, classes, C.Slots]);
        var flat = g.Node("Reshape", layer + ".flat", [logits, shape]);
        g.Node("Transpose", output, [flat], OnnxGraph.Ints("perm", 0, 2, 1));
        g.Output(output, n, DimParamOrValue.New(C.Slots), DimParamOrValue.New(classes));
    }

    /// <summary>The real fill head plus zero-weight extra classes (wrong-shape test models only).</summary>
    private static void AddPaddedFill(OnnxGraph g, ShelfModelWeights w, int classes)
    {
        var weight = new float[classes * Hidden];
        var bias = new float[classes];
        w["fill.weight"].CopyTo(weight, 0);
        w["fill.bias"].CopyTo(bias, 0);
        g.Floats("fill.weight", [classes, Hidden, 1, 1], weight);
        g.Floats("fill.bias", [classes], bias);
    }
}
