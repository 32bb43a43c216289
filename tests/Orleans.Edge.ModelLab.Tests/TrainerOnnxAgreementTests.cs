using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.ModelLab;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;
using TorchSharp;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.ModelLab.Tests;

public sealed class TrainerOnnxAgreementTests
{
    private const float Tolerance = 1e-4f;

    static TrainerOnnxAgreementTests() => LibTorchSharpCompat.EnsureLoadable();

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void TorchSharpForward_AndOnnxRuntime_AgreeWithin1e4_OnTheSameFrames(int seed)
    {
        var weights = ShelfModelWeights.Random(seed);
        var frames = Frames(CameraDomain.ForStore("eu-s2"), 4);

        using var net = new ShelfNet();
        net.ImportWeights(weights);
        net.eval();
        var (torchFill, torchSku) = TorchForward(net, frames, 4);
        var (onnxFill, onnxSku) = OnnxForward(ShelfModelOnnx.Write(weights), frames, 4);

        AssertClose(torchFill, onnxFill);
        AssertClose(torchSku, onnxSku);
    }

    [Fact]
    public void ExportedWeights_AreTheNetworksOwn_SoTheExportedModelComputesWhatTheTrainerComputes()
    {
        torch.manual_seed(3);
        using var net = new ShelfNet();
        net.eval();
        var frames = Frames(CameraDomain.Lab, 2);
        var (torchFill, torchSku) = TorchForward(net, frames, 2);
        var (onnxFill, onnxSku) = OnnxForward(ShelfModelOnnx.Write(net.ExportWeights()), frames, 2);
        AssertClose(torchFill, onnxFill);
        AssertClose(torchSku, onnxSku);
        Assert.Equal(ShelfModelArchitecture.Parameters.Select(p => p.Name).Order(), net.named_parameters().Select(p => p.name).Order());
    }

    private static float[] Frames(CameraDomain domain, int count)
    {
        var generator = new FrameGenerator(domain, 21);
        var batch = new float[count * FrameTensor.Length];
        for (var i = 0; i < count; i++) FrameTensor.ToChw(generator.Generate(i).Rgb, batch.AsSpan(i * FrameTensor.Length, FrameTensor.Length));
        return batch;
    }

    private static (float[] Fill, float[] Sku) TorchForward(ShelfNet net, float[] frames, int n)
    {
        using var noGrad = torch.no_grad();
        using var x = torch.tensor(frames, [n, 3, C.Height, C.Width]);
        var (fill, sku) = net.forward(x);
        using (fill)
        using (sku)
        {
            Assert.Equal(new long[] { n, C.Slots, C.FillClasses }, fill.shape);
            Assert.Equal(new long[] { n, C.Slots, C.SkuDesigns }, sku.shape);
            return (fill.contiguous().data<float>().ToArray(), sku.contiguous().data<float>().ToArray());
        }
    }

    private static (float[] Fill, float[] Sku) OnnxForward(byte[] model, float[] frames, int n)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, new DenseTensor<float>(frames, [n, 3, C.Height, C.Width]))]);
        return (results.First(r => r.Name == C.FillOutputName).AsTensor<float>().ToArray(),
                results.First(r => r.Name == C.SkuOutputName).AsTensor<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (a, b) => MathF.Abs(a - b)).Max();
        Assert.True(worst <= Tolerance, $"largest difference {worst:G3} exceeds {Tolerance:G1}");
        // The logits must not all be ~0 (that would agree trivially).
        Assert.True(expected.Max(MathF.Abs) > 0.01f);
    }
}
