using Google.Protobuf;
using Onnx;

namespace Orleans.Edge.Vision.Onnx;

/// <summary>A small helper that appends nodes and initializers to an ONNX graph.</summary>
internal sealed class OnnxGraph(string name)
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    public GraphProto Proto { get; } = new() { Name = name };

    public void Input(string tensor, params DimParamOrValue[] dims) => Proto.Input.Add(ValueInfo(tensor, dims));

    public void Output(string tensor, params DimParamOrValue[] dims) => Proto.Output.Add(ValueInfo(tensor, dims));

    public string Floats(string tensor, int[] shape, float[] values)
    {
        var proto = new TensorProto { Name = tensor, DataType = FloatType, RawData = ByteString.CopyFrom(LittleEndian(values)) };
        proto.Dims.AddRange(shape.Select(d => (long)d));
        Proto.Initializer.Add(proto);
        return tensor;
    }

    /// <summary>An initializer of any element type from its little-endian bytes (quantized weights, scales, zero points).</summary>
    public string Raw(string tensor, TensorProto.Types.DataType type, long[] shape, byte[] littleEndian)
    {
        var proto = new TensorProto { Name = tensor, DataType = (int)type, RawData = ByteString.CopyFrom(littleEndian) };
        proto.Dims.AddRange(shape);
        Proto.Initializer.Add(proto);
        return tensor;
    }

    public string Int64s(string tensor, long[] values)
    {
        var proto = new TensorProto { Name = tensor, DataType = Int64Type };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        Proto.Initializer.Add(proto);
        return tensor;
    }

    public string Node(string op, string output, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return output;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static ValueInfoProto ValueInfo(string tensor, DimParamOrValue[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d.IsParam
                ? new TensorShapeProto.Types.Dimension { DimParam = d.Param }
                : new TensorShapeProto.Types.Dimension { DimValue = d.Value });
        }
        return new ValueInfoProto
        {
            Name = tensor,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } },
        };
    }

    public static byte[] LittleEndian(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return bytes;
    }
}
