using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using C = Orleans.Edge.Vision.ShelfVisionContract;

namespace Orleans.Edge.ModelLab;

/// <summary>
/// Scores an exported ONNX model with ONNX Runtime, the engine the stores run, so the figures
/// are those of the artifact that ships and not of the trainer's copy.
/// </summary>
internal static class OnnxEvaluator
{
    private const int BatchSize = 64;

    public static DomainAccuracy Evaluate(InferenceSession session, LabDataset data, string domain)
    {
        long slots = 0, fillRight = 0, unoccluded = 0, unoccludedRight = 0, stocked = 0, designRight = 0;
        long flagRight = 0, wrong = 0, wrongFlagged = 0, flagged = 0, occluded = 0;
        var indices = new int[BatchSize];
        for (var start = 0; start < data.Count; start += BatchSize)
        {
            var n = Math.Min(BatchSize, data.Count - start);
            for (var b = 0; b < n; b++) indices[b] = start + b;
            var input = new DenseTensor<float>(data.Batch(indices.AsSpan(0, n)), [n, 3, C.Height, C.Width]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(C.InputName, input)]);
            var fill = results.First(r => r.Name == C.FillOutputName).AsTensor<float>();
            var sku = results.First(r => r.Name == C.SkuOutputName).AsTensor<float>();
            for (var b = 0; b < n; b++)
            {
                foreach (var t in data.Truth[start + b])
                {
                    var fillHit = ArgMax(fill, b, t.Slot, C.FillClasses) == (int)t.Fill;
                    slots++;
                    fillRight += fillHit ? 1 : 0;
                    if (t.Occluded) occluded++;
                    else
                    {
                        unoccluded++;
                        unoccludedRight += fillHit ? 1 : 0;
                    }
                    if (t.Units == 0) continue;
                    var design = ArgMax(sku, b, t.Slot, C.SkuDesigns);
                    var flag = design != t.ExpectedDesign;
                    stocked++;
                    designRight += design == t.ShownDesign ? 1 : 0;
                    flagRight += flag == t.WrongSku ? 1 : 0;
                    wrong += t.WrongSku ? 1 : 0;
                    flagged += flag ? 1 : 0;
                    wrongFlagged += flag && t.WrongSku ? 1 : 0;
                }
            }
        }
        return new DomainAccuracy(domain, data.Count, Ratio(fillRight, slots), Ratio(unoccludedRight, unoccluded),
            Ratio(designRight, stocked), Ratio(flagRight, stocked), Ratio(wrongFlagged, wrong), Ratio(wrongFlagged, flagged), Ratio(occluded, slots));
    }

    private static int ArgMax(Tensor<float> logits, int frame, int slot, int classes)
    {
        var best = 0;
        for (var c = 1; c < classes; c++) if (logits[frame, slot, c] > logits[frame, slot, best]) best = c;
        return best;
    }

    private static double Ratio(long part, long whole) => whole == 0 ? double.NaN : Math.Round((double)part / whole, 4);
}
