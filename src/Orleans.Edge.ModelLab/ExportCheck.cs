using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.ModelLab;

/// <summary>
/// After training: the trainer's forward pass and ONNX Runtime on the exported bytes must give the
/// same logits on training frames. Random weights are checked by the tests; this checks the weights
/// that ship, because a kernel or export problem can hide behind random weights.
/// </summary>
internal static class ExportCheck
{
    public const float Tolerance = 1e-3f;

    /// <summary>The largest absolute logit difference over <paramref name="frames"/> frames; throws above <see cref="Tolerance"/>.</summary>
    public static float MaxAbsDiff(ShelfNet net, byte[] onnx, LabDataset data, int frames)
    {
        var n = Math.Min(frames, data.Count);
        var x = data.Batch(Enumerable.Range(0, n).ToArray());
        float[] torchFill, torchSku;
        using (torch.no_grad())
        using (var input = torch.tensor(x, [n, 3, C.Height, C.Width]))
        {
            var (fill, sku) = net.forward(input);
            using (fill)
            using (sku)
            {
                torchFill = fill.contiguous().data<float>().ToArray();
                torchSku = sku.contiguous().data<float>().ToArray();
            }
        }
        using var session = new InferenceSession(onnx);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, new DenseTensor<float>(x, [n, 3, C.Height, C.Width]))]);
        var onnxFill = results.First(r => r.Name == C.FillOutputName).AsTensor<float>().ToArray();
        var onnxSku = results.First(r => r.Name == C.SkuOutputName).AsTensor<float>().ToArray();
        var worst = Math.Max(torchFill.Zip(onnxFill, (a, b) => MathF.Abs(a - b)).Max(), torchSku.Zip(onnxSku, (a, b) => MathF.Abs(a - b)).Max());
        return worst <= Tolerance
            ? worst
            : throw new InvalidOperationException($"the exported model disagrees with the trainer by {worst:G3} (> {Tolerance:G1}); do not ship it");
    }
}
