using System.Diagnostics;
using Orleans.Edge.Vision;
using Orleans.Edge.Vision.Frames;
using Orleans.Edge.Vision.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Orleans.Edge.ModelLab;

/// <summary>Trains <see cref="ShelfNet"/> on lab frames only: cross-entropy on fill and on design per slot, Adam.</summary>
internal static class Trainer
{
    /// <summary>Seed of the training frames (evaluation frames use other seeds, so they are unseen).</summary>
    public static ulong TrainSeed(int seed) => (ulong)seed;

    public static (ShelfModelWeights Weights, float ExportMaxAbsDiff) Train(TrainingOptions o, TextWriter log)
    {
        log.WriteLine(LibTorchSharpCompat.EnsureLoadable());
        torch.manual_seed(o.Seed);
        torch.set_num_threads(o.Threads);
        var clock = Stopwatch.StartNew();
        var data = LabDataset.Generate(CameraDomain.Lab, TrainSeed(o.Seed), o.TrainFrames, o.Threads);
        log.WriteLine($"generated {data.Count} lab frames in {clock.Elapsed.TotalSeconds:F1} s");

        using var net = new ShelfNet();
        net.train();
        var optimizer = optim.Adam(net.parameters(), o.LearningRate);
        var steps = o.Epochs * (data.Count / o.BatchSize);
        var order = Enumerable.Range(0, data.Count).ToArray();
        var shuffle = new Random(o.Seed);
        var step = 0;
        for (var epoch = 1; epoch <= o.Epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double fillLossSum = 0, skuLossSum = 0;
            var batches = data.Count / o.BatchSize;
            for (var b = 0; b < batches; b++, step++)
            {
                // Cosine decay from lr to lr/10: late steps polish instead of bouncing.
                var lr = o.LearningRate * (0.1 + (0.9 * 0.5 * (1 + Math.Cos(Math.PI * step / steps))));
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

                var idx = order.AsSpan(b * o.BatchSize, o.BatchSize);
                optimizer.zero_grad();
                using (var scope = NewDisposeScope())
                {
                    var x = tensor(data.Batch(idx), [o.BatchSize, 3, ShelfVisionContract.Height, ShelfVisionContract.Width]);
                    var fillTarget = tensor(Labels(data.Fill, idx), [o.BatchSize * ShelfVisionContract.Slots]);
                    var skuTarget = tensor(Labels(data.Sku, idx), [o.BatchSize * ShelfVisionContract.Slots]);
                    var (fill, sku) = net.forward(x);
                    var fillLoss = nn.functional.cross_entropy(fill.reshape(-1, ShelfVisionContract.FillClasses), fillTarget);
                    var skuLoss = nn.functional.cross_entropy(sku.reshape(-1, ShelfVisionContract.SkuDesigns), skuTarget, ignore_index: LabDataset.IgnoreLabel);
                    (fillLoss + skuLoss).backward();
                    fillLossSum += fillLoss.item<float>();
                    skuLossSum += skuLoss.item<float>();
                }
                // Outside the scope: Adam creates its moment tensors on the first step and must keep them.
                optimizer.step();
                if ((b + 1) % 25 == 0 || b == batches - 1 || b < 3)
                {
                    log.WriteLine($"epoch {epoch}/{o.Epochs} batch {b + 1}/{batches} fill-loss {fillLossSum / (b + 1):F4} sku-loss {skuLossSum / (b + 1):F4} lr {lr:G3} elapsed {clock.Elapsed.TotalSeconds:F0} s");
                }
            }
        }
        net.eval();
        log.WriteLine($"trained {steps} steps in {clock.Elapsed.TotalSeconds:F0} s");
        var weights = net.ExportWeights();
        var diff = ExportCheck.MaxAbsDiff(net, ShelfModelOnnx.Write(weights), data, 64);
        log.WriteLine($"trainer and ONNX Runtime agree on 64 training frames: max |logit difference| {diff:G3}");
        return (weights, diff);
    }

    private static long[] Labels(long[] all, ReadOnlySpan<int> frames)
    {
        var slots = ShelfVisionContract.Slots;
        var labels = new long[frames.Length * slots];
        for (var i = 0; i < frames.Length; i++) Array.Copy(all, frames[i] * slots, labels, i * slots, slots);
        return labels;
    }
}
