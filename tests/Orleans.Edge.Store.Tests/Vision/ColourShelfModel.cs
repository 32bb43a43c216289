using System.Text;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>
/// A shelf model whose outputs the tests control, written as a real ONNX file and run by ONNX
/// Runtime: each slot's mean colour decides it. Brightness (R+G+B) gives the fill class, the hue
/// around the grey axis gives the packaging design (12 hues, 30° apart), so a test paints a slot
/// with <see cref="Colour"/> and knows what the model will say. Ops: Reshape, ReduceMean,
/// Transpose, MatMul, Add (opset 13).
/// </summary>
public static class ColourShelfModel
{
    private const float HueRadius = 0.15f;
    private static readonly float[] Grey = [0.2f, 0.5f, 0.8f];   // Empty, Partial, Full

    /// <summary>The model's bytes; <paramref name="tag"/> only changes the bytes (so each version has its own hash).</summary>
    public static byte[] Write(string tag = "", int designs = ShelfVisionContract.SkuDesigns)
    {
        const float k = 20, t1 = 1.05f, t2 = 1.95f, hueGain = 400;
        float[] fillW = [0, k, 2 * k, 0, k, 2 * k, 0, k, 2 * k];   // [3 colours, 3 classes], row-major
        float[] fillB = [0, -k * t1, -k * (t1 + t2)];
        var skuW = new float[3 * designs];
        for (var d = 0; d < designs; d++)
        {
            var hue = HueVector(d);
            for (var c = 0; c < 3; c++) skuW[c * designs + d] = hueGain * hue[c];
        }

        var graph = new Pb()
            .Msg(1, Node("Reshape", ["frames", "shape5"], ["r5"]))
            .Msg(1, Node("ReduceMean", ["r5"], ["means"], new Pb().Str(1, "axes").Ints(8, [2, 4]).Int(20, 7), new Pb().Str(1, "keepdims").Int(3, 0).Int(20, 2)))
            .Msg(1, Node("Transpose", ["means"], ["slots"], new Pb().Str(1, "perm").Ints(8, [0, 2, 1]).Int(20, 7)))
            .Msg(1, Node("MatMul", ["slots", "fill_w"], ["fill_raw"]))
            .Msg(1, Node("Add", ["fill_raw", "fill_b"], [ShelfVisionContract.FillOutputName]))
            .Msg(1, Node("MatMul", ["slots", "sku_w"], [ShelfVisionContract.SkuOutputName]))
            .Str(2, "colour-shelf")
            .Msg(5, Int64Tensor("shape5", [0, 3, ShelfVisionContract.Height, ShelfVisionContract.Slots, ShelfVisionContract.Width / ShelfVisionContract.Slots]))
            .Msg(5, FloatTensor("fill_w", [3, 3], fillW))
            .Msg(5, FloatTensor("fill_b", [3], fillB))
            .Msg(5, FloatTensor("sku_w", [3, designs], skuW))
            .Msg(11, Value(ShelfVisionContract.InputName, 3, ShelfVisionContract.Height, ShelfVisionContract.Width))
            .Msg(12, Value(ShelfVisionContract.FillOutputName, ShelfVisionContract.Slots, ShelfVisionContract.FillClasses))
            .Msg(12, Value(ShelfVisionContract.SkuOutputName, ShelfVisionContract.Slots, designs));
        return new Pb()
            .Int(1, 8)                                   // ir_version
            .Str(2, "orleans-edge-tests")
            .Str(3, tag)
            .Msg(7, graph)
            .Msg(8, new Pb().Str(1, "").Int(2, 13))      // opset_import
            .ToArray();
    }

    /// <summary>The manifest of <paramref name="onnx"/> as <paramref name="version"/>.</summary>
    public static ModelManifest Manifest(string version, byte[] onnx) => ModelManifest.ForShelfModel(version, onnx);

    /// <summary>The colour that the model reads as <paramref name="fill"/> of <paramref name="design"/>.</summary>
    public static (byte R, byte G, byte B) Colour(int design, SlotFill fill)
    {
        var grey = Grey[(int)fill];
        var hue = HueVector(design);
        static byte B(float v) => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255);
        return (B(grey + HueRadius * hue[0]), B(grey + HueRadius * hue[1]), B(grey + HueRadius * hue[2]));
    }

    /// <summary>A frame whose slot i shows <paramref name="slots"/>[i].</summary>
    public static CameraFrame Frame(string cameraId, DateTimeOffset capturedAt, params (int Design, SlotFill Fill)[] slots)
    {
        if (slots.Length != ShelfVisionContract.Slots) throw new ArgumentException($"a frame has {ShelfVisionContract.Slots} slots", nameof(slots));
        var rgb = new byte[ShelfVisionContract.FrameBytes];
        const int slotWidth = ShelfVisionContract.Width / ShelfVisionContract.Slots;
        for (var y = 0; y < ShelfVisionContract.Height; y++)
            for (var x = 0; x < ShelfVisionContract.Width; x++)
            {
                var (r, g, b) = Colour(slots[x / slotWidth].Design, slots[x / slotWidth].Fill);
                var p = 3 * (y * ShelfVisionContract.Width + x);
                (rgb[p], rgb[p + 1], rgb[p + 2]) = (r, g, b);
            }
        return new CameraFrame(cameraId, capturedAt, ShelfVisionContract.Width, ShelfVisionContract.Height, rgb);
    }

    /// <summary>A frame whose every slot shows <paramref name="fill"/> of <paramref name="design"/>.</summary>
    public static CameraFrame Uniform(string cameraId, DateTimeOffset capturedAt, int design, SlotFill fill) =>
        Frame(cameraId, capturedAt, [.. Enumerable.Repeat((design, fill), ShelfVisionContract.Slots)]);

    // Unit hue directions in the plane orthogonal to grey, so hue and brightness do not mix.
    private static float[] HueVector(int design)
    {
        var angle = design * Math.PI / 6;
        double[] e1 = [1 / Math.Sqrt(2), -1 / Math.Sqrt(2), 0];
        double[] e2 = [1 / Math.Sqrt(6), 1 / Math.Sqrt(6), -2 / Math.Sqrt(6)];
        return [.. Enumerable.Range(0, 3).Select(c => (float)(Math.Cos(angle) * e1[c] + Math.Sin(angle) * e2[c]))];
    }

    private static Pb Node(string op, string[] inputs, string[] outputs, params Pb[] attributes)
    {
        var node = new Pb();
        foreach (var i in inputs) node.Str(1, i);
        foreach (var o in outputs) node.Str(2, o);
        node.Str(3, $"{op}_{outputs[0]}").Str(4, op);
        foreach (var a in attributes) node.Msg(5, a);
        return node;
    }

    private static Pb FloatTensor(string name, long[] dims, float[] values)
    {
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return new Pb().Ints(1, dims).Int(2, 1).Str(8, name).Bytes(9, raw);
    }

    private static Pb Int64Tensor(string name, long[] values)
    {
        var raw = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return new Pb().Ints(1, [values.Length]).Int(2, 7).Str(8, name).Bytes(9, raw);
    }

    // A float tensor value with a symbolic batch dimension "N" and the given fixed dimensions.
    private static Pb Value(string name, params long[] dims)
    {
        var shape = new Pb().Msg(1, new Pb().Str(2, "N"));
        foreach (var d in dims) shape.Msg(1, new Pb().Int(1, d));
        return new Pb().Str(1, name).Msg(2, new Pb().Msg(1, new Pb().Int(1, 1).Msg(2, shape)));
    }

    /// <summary>Just enough protobuf to write an ONNX ModelProto.</summary>
    private sealed class Pb
    {
        private readonly List<byte> _out = [];

        public Pb Int(int field, long value)
        {
            Tag(field, 0);
            Varint((ulong)value);
            return this;
        }

        public Pb Ints(int field, long[] values)
        {
            foreach (var v in values) Int(field, v);
            return this;
        }

        public Pb Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Pb Msg(int field, Pb message) => Bytes(field, message.ToArray());

        public Pb Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Varint((ulong)value.Length);
            _out.AddRange(value);
            return this;
        }

        public byte[] ToArray() => [.. _out];

        private void Tag(int field, int wire) => Varint((ulong)((field << 3) | wire));

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _out.Add((byte)(value | 0x80));
                value >>= 7;
            }
            _out.Add((byte)value);
        }
    }
}
