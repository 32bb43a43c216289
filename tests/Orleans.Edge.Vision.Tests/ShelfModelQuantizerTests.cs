using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Vision.Tests;

public sealed class ShelfModelQuantizerTests
{
    [Fact]
    public void Quantize_IsDeterministic_AndTheEmbeddedInt8V1IsARebuildOfV1()
    {
        var weights = ShelfModelWeights.FromOnnx(ShelfModels.V1Bytes());
        var first = ShelfModelQuantizer.Quantize(weights, ShelfModelQuantizer.LabCalibrationFrames(8));
        var second = ShelfModelQuantizer.Quantize(weights, ShelfModelQuantizer.LabCalibrationFrames(8));
        Assert.Equal(first, second);
        Assert.Equal(ShelfModels.V1Int8Bytes(), ShelfModelOnnx.Write(weights, "int8"));
        Assert.NotEqual(first, ShelfModelQuantizer.Quantize(ShelfModelWeights.Random(3), ShelfModelQuantizer.LabCalibrationFrames(8)));
    }

    [Fact]
    public void Int8V1_IsAQuarterOfFp32_AndOnnxRuntimeRunsItWithInt8Kernels()
    {
        var int8 = ShelfModels.V1Int8Bytes();
        Assert.Equal("int8", ShelfModelOnnx.VariantOf(int8));
        Assert.True(int8.Length < ShelfModels.V1Bytes().Length / 2, $"{int8.Length} bytes");

        var optimized = Path.Combine(Path.GetTempPath(), $"int8-opt-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimized })
            using (new InferenceSession(int8, options)) { }
            var ops = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
            // conv1..3 and the slot head fused from DQ → Conv → ReLU → Q; no float Conv left but the two 1x1 heads.
            Assert.Equal(4, ops.Count(o => o == "QLinearConv"));
            Assert.Contains("QLinearAveragePool", ops);
            Assert.Equal(2, ops.Count(o => o == "Conv"));
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    [Fact]
    public void Int8V1_AgreesWithFp32_OnUnseenLabFrames()
    {
        const int Frames = 128;
        var generator = new FrameGenerator(CameraDomain.Lab, 424242);
        var input = new DenseTensor<float>([Frames, 3, C.Height, C.Width]);
        for (var i = 0; i < Frames; i++) FrameTensor.ToChw(generator.Generate(i).Rgb, input.Buffer.Span.Slice(i * FrameTensor.Length, FrameTensor.Length));
        var (fill32, sku32) = Run(ShelfModels.V1Bytes(), input);
        var (fill8, sku8) = Run(ShelfModels.V1Int8Bytes(), input);

        var fillAgree = Agreement(fill32, fill8, C.FillClasses);
        var skuAgree = Agreement(sku32, sku8, C.SkuDesigns);
        // Stated tolerance: ≥ 97 % of slots get the same fill class and the same design as fp32.
        Assert.True(fillAgree >= 0.97, $"fill argmax agreement {fillAgree:P2}");
        Assert.True(skuAgree >= 0.97, $"design argmax agreement {skuAgree:P2}");
    }

    private static (float[] Fill, float[] Sku) Run(byte[] model, DenseTensor<float> input)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, input)]);
        return (results.First(r => r.Name == C.FillOutputName).AsTensor<float>().ToArray(), results.First(r => r.Name == C.SkuOutputName).AsTensor<float>().ToArray());
    }

    private static double Agreement(float[] a, float[] b, int classes)
    {
        var rows = a.Length / classes;
        var same = 0;
        for (var r = 0; r < rows; r++) same += ArgMax(a.AsSpan(r * classes, classes)) == ArgMax(b.AsSpan(r * classes, classes)) ? 1 : 0;
        return (double)same / rows;
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
