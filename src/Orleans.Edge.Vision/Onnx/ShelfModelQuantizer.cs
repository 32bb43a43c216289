using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using Orleans.Edge.Vision.Frames;
using static Orleans.Edge.Vision.Onnx.ShelfModelArchitecture;
using C = Orleans.Edge.Vision.ShelfVisionContract;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Orleans.Edge.Vision.Onnx;

/// <summary>
/// Post-training static quantization of the shelf CNN to int8, in QDQ form, written directly as
/// ONNX (no Python, no ONNX Runtime tooling):
/// <list type="bullet">
/// <item>conv1, conv2, conv3 and the slot head: int8 weights, symmetric per output channel
/// (zero point 0), int32 biases at scale input × weight, each behind a DequantizeLinear;</item>
/// <item>activations: uint8 QuantizeLinear/DequantizeLinear pairs on the input and after each
/// quantized ReLU and pool, zero point 0 (everything after a ReLU is ≥ 0) and scale = the
/// largest value seen on the calibration frames / 255; the input's scale is exactly 1/255
/// because frames are bytes / 255;</item>
/// <item>the fill and SKU heads (a 1×1 conv each, 0.8 k of the 32 k parameters) stay fp32, so the
/// logits are float as in fp32.</item>
/// </list>
/// ONNX Runtime, at graph optimisation level extended or higher, fuses DQ → Conv → (ReLU) → Q
/// into QLinearConv and DQ → AveragePool → Q into QLinearAveragePool; uint8 activations with int8
/// weights (U8S8) is the form its x64 kernels (AVX2 / AVX-VNNI) take. The same weights and
/// calibration frames give the same bytes.
/// </summary>
public static class ShelfModelQuantizer
{
    /// <summary>Seed of the default calibration frames: lab frames no training or evaluation run uses.</summary>
    public const ulong CalibrationSeed = 7_000_001;

    /// <summary>How many lab frames the default calibration uses.</summary>
    public const int CalibrationFrames = 64;

    /// <summary>The default calibration set: <paramref name="count"/> lab-domain frames, seed <see cref="CalibrationSeed"/>, as CHW floats.</summary>
    public static IReadOnlyList<float[]> LabCalibrationFrames(int count = CalibrationFrames)
    {
        var generator = new FrameGenerator(CameraDomain.Lab, CalibrationSeed);
        var rgb = new byte[C.FrameBytes];
        var frames = new List<float[]>(count);
        for (var i = 0; i < count; i++)
        {
            generator.GenerateInto(i, rgb);
            frames.Add(FrameTensor.ToChw(rgb));
        }
        return frames;
    }

    /// <summary>The int8 model of <paramref name="weights"/>, activation ranges calibrated on <paramref name="calibrationChw"/>.</summary>
    public static byte[] Quantize(ShelfModelWeights weights, IReadOnlyList<float[]> calibrationChw)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(calibrationChw);
        var ranges = ShelfModelCalibration.Measure(weights, calibrationChw);
        var g = new OnnxGraph("shelf");
        var n = DimParamOrValue.New("N");
        g.Input(C.InputName, n, DimParamOrValue.New(3), DimParamOrValue.New(C.Height), DimParamOrValue.New(C.Width));

        var sIn = 1f / 255f;
        var x = QuantDequant(g, C.InputName, "frames", sIn);
        var s1 = Scale(ranges.Conv1);
        x = QConvRelu(g, weights, "conv1", x, sIn, s1, [3, 3], [1, 1, 1, 1]);
        x = QuantDequant(g, g.Node("MaxPool", "pool1", [x], OnnxGraph.Ints("kernel_shape", 2, 2), OnnxGraph.Ints("strides", 2, 2)), "pool1", s1);
        var s2 = Scale(ranges.Conv2);
        x = QConvRelu(g, weights, "conv2", x, s1, s2, [3, 3], [1, 1, 1, 1]);
        x = QuantDequant(g, g.Node("MaxPool", "pool2", [x], OnnxGraph.Ints("kernel_shape", 2, 2), OnnxGraph.Ints("strides", 2, 2)), "pool2", s2);
        var s3 = Scale(ranges.Conv3);
        x = QConvRelu(g, weights, "conv3", x, s2, s3, [3, 3], [1, 1, 1, 1]);
        var s4 = Scale(ranges.Pooled);
        x = QuantDequant(g, g.Node("AveragePool", "bands", [x], OnnxGraph.Ints("kernel_shape", SlotPool, SlotPool), OnnxGraph.Ints("strides", SlotPool, SlotPool)), "bands", s4);
        x = QConvRelu(g, weights, "head", x, s4, Scale(ranges.Head), [Bands, 1], [0, 0, 0, 0]);

        foreach (var head in new[] { "fill", "sku" })
        {
            g.Floats(head + ".weight", [head == "fill" ? C.FillClasses : C.SkuDesigns, Hidden, 1, 1], weights[head + ".weight"]);
            g.Floats(head + ".bias", [head == "fill" ? C.FillClasses : C.SkuDesigns], weights[head + ".bias"]);
        }
        ShelfModelOnnx.Head(g, "fill", x, C.FillClasses, C.FillOutputName, n);
        ShelfModelOnnx.Head(g, "sku", x, C.SkuDesigns, C.SkuOutputName, n);

        var model = ShelfModelOnnx.Wrap(g, "int8");
        model.MetadataProps.Add(new StringStringEntryProto { Key = "quantization", Value = "qdq u8 activations (calibrated max), s8 per-channel symmetric weights, s32 bias; heads fp32" });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "calibration_frames", Value = calibrationChw.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return model.ToByteArray();
    }

    private static float Scale(float max) => max > 0 ? max / 255f : 1f;

    /// <summary>x → QuantizeLinear(uint8, zero point 0) → DequantizeLinear; returns the dequantized tensor.</summary>
    private static string QuantDequant(OnnxGraph g, string input, string name, float scale)
    {
        var s = g.Raw(name + ".scale", DataType.Float, [], OnnxGraph.LittleEndian([scale]));
        var zp = g.Raw(name + ".zp", DataType.Uint8, [], [0]);
        var q = g.Node("QuantizeLinear", name + ".q", [input, s, zp]);
        return g.Node("DequantizeLinear", name + ".dq", [q, s, zp]);
    }

    /// <summary>Conv with per-channel int8 weights and int32 bias (both dequantized in the graph), ReLU, then a uint8 QDQ pair.</summary>
    private static string QConvRelu(OnnxGraph g, ShelfModelWeights w, string layer, string input, float inputScale, float outputScale, long[] kernel, long[] pads)
    {
        var weight = w[layer + ".weight"];
        var bias = w[layer + ".bias"];
        var shape = Parameters.Single(p => p.Name == layer + ".weight").Shape;
        var outChannels = shape[0];
        var perChannel = weight.Length / outChannels;
        var wq = new byte[weight.Length];
        var wScale = new float[outChannels];
        var bq = new byte[outChannels * sizeof(int)];
        var bScale = new float[outChannels];
        for (var o = 0; o < outChannels; o++)
        {
            var maxAbs = 0f;
            for (var i = 0; i < perChannel; i++) maxAbs = MathF.Max(maxAbs, MathF.Abs(weight[(o * perChannel) + i]));
            wScale[o] = maxAbs > 0 ? maxAbs / 127f : 1f;
            for (var i = 0; i < perChannel; i++)
                wq[(o * perChannel) + i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(weight[(o * perChannel) + i] / wScale[o], MidpointRounding.ToEven), -127f, 127f));
            bScale[o] = inputScale * wScale[o];
            var b = Math.Clamp(Math.Round((double)bias[o] / bScale[o], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
            BinaryPrimitives.WriteInt32LittleEndian(bq.AsSpan(o * sizeof(int)), (int)b);
        }
        var axis = OnnxGraph.Int("axis", 0);
        var wDq = g.Node("DequantizeLinear", layer + ".weight.dq",
        [
            g.Raw(layer + ".weight.q", DataType.Int8, shape.Select(d => (long)d).ToArray(), wq),
            g.Raw(layer + ".weight.scale", DataType.Float, [outChannels], OnnxGraph.LittleEndian(wScale)),
            g.Raw(layer + ".weight.zp", DataType.Int8, [outChannels], new byte[outChannels]),
        ], axis);
        var bDq = g.Node("DequantizeLinear", layer + ".bias.dq",
        [
            g.Raw(layer + ".bias.q", DataType.Int32, [outChannels], bq),
            g.Raw(layer + ".bias.scale", DataType.Float, [outChannels], OnnxGraph.LittleEndian(bScale)),
            g.Raw(layer + ".bias.zp", DataType.Int32, [outChannels], new byte[outChannels * sizeof(int)]),
        ], axis);
        var conv = g.Node("Conv", layer, [input, wDq, bDq], OnnxGraph.Ints("kernel_shape", kernel), OnnxGraph.Ints("pads", pads));
        return QuantDequant(g, g.Node("Relu", layer + ".relu", [conv]), layer + ".out", outputScale);
    }
}
