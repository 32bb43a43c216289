using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Vision.Frames;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.Vision.Tests;

public sealed class ShelfModelsTests
{
    [Fact]
    public void V1_HonoursTheContract_AndItsManifestNamesItsBytes()
    {
        var bytes = ShelfModels.V1Bytes();
        var manifest = ShelfModels.V1Manifest();
        Assert.Equal(ShelfModels.V1Version, manifest.Version);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), manifest.Sha256);
        Assert.Equal(bytes.Length, manifest.SizeBytes);
        Assert.InRange(bytes.Length, 1, 1 << 20);
        Assert.Contains("fill_accuracy/lab", manifest.Metrics.Keys);
        Assert.Contains("design_accuracy/us-s3", manifest.Metrics.Keys);

        using var session = new InferenceSession(bytes);
        Assert.Equal(manifest.InputShape, session.InputMetadata[C.InputName].Dimensions);
        Assert.Equal(manifest.FillShape, session.OutputMetadata[C.FillOutputName].Dimensions);
        Assert.Equal(manifest.SkuShape, session.OutputMetadata[C.SkuOutputName].Dimensions);
    }

    [Fact]
    public void V1_ReadsUnseenLabShelves_BetterThanAStoresShelves()
    {
        using var session = new InferenceSession(ShelfModels.V1Bytes());
        var lab = FillAccuracy(session, CameraDomain.Lab);
        var store = FillAccuracy(session, CameraDomain.ForStore("us-s2"));
        Assert.True(lab >= 0.9, $"lab fill accuracy {lab:P1}");
        Assert.True(store < lab, $"store {store:P1} vs lab {lab:P1}: v1 never saw a store's camera");
    }

    private static double FillAccuracy(InferenceSession session, CameraDomain domain)
    {
        const int Frames = 64;
        // A seed no training run uses: frames the model has never seen.
        var generator = new FrameGenerator(domain, 424242);
        var input = new DenseTensor<float>([Frames, 3, C.Height, C.Width]);
        var truth = new List<SlotTruth[]>();
        for (var i = 0; i < Frames; i++)
        {
            var frame = generator.Generate(i);
            FrameTensor.ToChw(frame.Rgb, input.Buffer.Span.Slice(i * FrameTensor.Length, FrameTensor.Length));
            truth.Add([.. frame.Slots]);
        }
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, input)]);
        var fill = results.First(r => r.Name == C.FillOutputName).AsTensor<float>();
        var right = 0;
        for (var i = 0; i < Frames; i++)
        {
            foreach (var s in truth[i])
            {
                var best = 0;
                for (var c = 1; c < C.FillClasses; c++) if (fill[i, s.Slot, c] > fill[i, s.Slot, best]) best = c;
                right += best == (int)s.Fill ? 1 : 0;
            }
        }
        return (double)right / (Frames * C.Slots);
    }
}
