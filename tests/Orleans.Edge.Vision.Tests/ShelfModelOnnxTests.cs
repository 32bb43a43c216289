using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Vision.Tests;

public sealed class ShelfModelOnnxTests
{
    [Fact]
    public void RandomWeightsModel_LoadsInOnnxRuntime_WithTheContractsNamesAndSymbolicBatch()
    {
        using var session = new InferenceSession(ShelfModelOnnx.Write(ShelfModelWeights.Random(1)));
        var input = Assert.Single(session.InputMetadata);
        Assert.Equal(C.InputName, input.Key);
        Assert.Equal(new[] { -1, 3, C.Height, C.Width }, input.Value.Dimensions);
        Assert.Equal(new[] { -1, C.Slots, C.FillClasses }, session.OutputMetadata[C.FillOutputName].Dimensions);
        Assert.Equal(new[] { -1, C.Slots, C.SkuDesigns }, session.OutputMetadata[C.SkuOutputName].Dimensions);
        Assert.Equal("fp32", session.ModelMetadata.CustomMetadataMap["variant"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void RandomWeightsModel_Runs_AndYieldsTheContractShapes(int batch)
    {
        using var session = new InferenceSession(ShelfModelOnnx.Write(ShelfModelWeights.Random(2)));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, Frames(batch))]);
        var fill = results.Single(r => r.Name == C.FillOutputName).AsTensor<float>();
        var sku = results.Single(r => r.Name == C.SkuOutputName).AsTensor<float>();
        Assert.Equal(new[] { batch, C.Slots, C.FillClasses }, fill.Dimensions.ToArray());
        Assert.Equal(new[] { batch, C.Slots, C.SkuDesigns }, sku.Dimensions.ToArray());
        Assert.All(fill.ToArray().Concat(sku.ToArray()), v => Assert.True(float.IsFinite(v)));
        // Random weights still see the picture: slots of one frame do not all get the same logits.
        Assert.Contains(Enumerable.Range(1, C.Slots - 1), s => fill[0, s, 0] != fill[0, 0, 0]);
    }

    [Fact]
    public void Write_IsDeterministic_AndDifferentSeedsGiveDifferentModels()
    {
        Assert.Equal(ShelfModelOnnx.Write(ShelfModelWeights.Random(5)), ShelfModelOnnx.Write(ShelfModelWeights.Random(5)));
        Assert.NotEqual(ShelfModelOnnx.Write(ShelfModelWeights.Random(5)), ShelfModelOnnx.Write(ShelfModelWeights.Random(6)));
    }

    [Fact]
    public void FromOnnx_ReadsBackTheWeightsThatWereWritten()
    {
        var weights = ShelfModelWeights.Random(8);
        var read = ShelfModelWeights.FromOnnx(ShelfModelOnnx.Write(weights));
        foreach (var (name, values) in weights.Tensors) Assert.Equal(values, read[name]);
        Assert.Equal(ShelfModelOnnx.Write(weights), ShelfModelOnnx.Write(read));
        Assert.Equal(ShelfModels.V1Bytes(), ShelfModelOnnx.Write(ShelfModelWeights.FromOnnx(ShelfModels.V1Bytes())));
    }

    [Fact]
    public void WrongOutputShapeModel_Runs_ButItsFillOutputBreaksTheContract()
    {
        using var session = new InferenceSession(ShelfModelOnnx.WriteWithWrongOutputShape(ShelfModelWeights.Random(3)));
        Assert.Equal(new[] { -1, C.Slots, C.FillClasses + 1 }, session.OutputMetadata[C.FillOutputName].Dimensions);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, Frames(1))]);
        Assert.Equal(new[] { 1, C.Slots, C.FillClasses + 1 }, results.Single(r => r.Name == C.FillOutputName).AsTensor<float>().Dimensions.ToArray());
    }

    [Fact]
    public void Weights_RejectMissingOrMisSizedTensors()
    {
        var tensors = ShelfModelWeights.Random(1).Tensors.ToDictionary(p => p.Key, p => p.Value);
        tensors["conv1.bias"] = new float[3];
        Assert.Throws<ArgumentException>(() => ShelfModelWeights.FromTensors(tensors));
        tensors.Remove("conv1.bias");
        Assert.Throws<ArgumentException>(() => ShelfModelWeights.FromTensors(tensors));
        Assert.Throws<ArgumentException>(() => ShelfModelOnnx.Write(ShelfModelWeights.Random(1), "int4"));
    }

    private static DenseTensor<float> Frames(int batch)
    {
        var generator = new FrameGenerator(CameraDomain.Lab, 3);
        var tensor = new DenseTensor<float>([batch, 3, C.Height, C.Width]);
        for (var i = 0; i < batch; i++)
            FrameTensor.ToChw(generator.Generate(i).Rgb, tensor.Buffer.Span.Slice(i * FrameTensor.Length, FrameTensor.Length));
        return tensor;
    }
}
