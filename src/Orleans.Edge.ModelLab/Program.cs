using System.CommandLine;
using Orleans.Edge.ModelLab;

// The model lab: trains the shelf model on synthetic lab frames, exports it to ONNX and reports
// its accuracy per camera domain; and measures what a frame costs in a bare ONNX Runtime session.
var seed = new Option<int>("--seed") { Description = "Seeds frames, init and batch order", DefaultValueFactory = _ => 1 };
var frames = new Option<int>("--train-frames") { Description = "Lab frames to train on", DefaultValueFactory = _ => 4000 };
var epochs = new Option<int>("--epochs") { Description = "Passes over the training frames", DefaultValueFactory = _ => 2 };
var batch = new Option<int>("--batch") { Description = "Frames per optimiser step", DefaultValueFactory = _ => 32 };
var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 0.003 };
var threads = new Option<int>("--threads") { Description = "Torch / ONNX Runtime threads (1: bitwise reproducible; see docs/vision-model.md)", DefaultValueFactory = _ => 1 };
var evalFrames = new Option<int>("--eval-frames") { Description = "Frames per domain in the report", DefaultValueFactory = _ => 500 };
var name = new Option<string>("--name") { Description = "Model name: <name>.onnx and <name>.report.json", DefaultValueFactory = _ => "shelf-v1" };
var output = new Option<string>("--out") { Description = "Folder for the model and its report", DefaultValueFactory = _ => "artifacts/modellab" };

var train = new Command("train", "Train on lab frames, export ONNX, report accuracy per domain") { seed, frames, epochs, batch, lr, threads, evalFrames, name, output };
train.SetAction(async (p, ct) =>
{
    var options = new TrainingOptions(p.GetValue(seed), p.GetValue(frames), p.GetValue(epochs), p.GetValue(batch),
        p.GetValue(lr), p.GetValue(threads), p.GetValue(evalFrames), TrainingOptions.DefaultStores);
    var command = $"dotnet run --project src/Orleans.Edge.ModelLab -c Release -- train --seed {options.Seed} --train-frames {options.TrainFrames} " +
        $"--epochs {options.Epochs} --batch {options.BatchSize} --lr {options.LearningRate} --threads {options.Threads} --eval-frames {options.EvalFrames} --name {p.GetValue(name)}";
    await TrainCommand.RunAsync(options, p.GetValue(name)!, p.GetValue(output)!, command, Console.Out, ct);
});

var model = new Option<string>("--model") { Description = "ONNX file to measure", Required = true };
var batches = new Option<int[]>("--batches") { Description = "Batch sizes", DefaultValueFactory = _ => [1, 4, 16], AllowMultipleArgumentsPerToken = true };
var benchFrames = new Option<int>("--frames") { Description = "Frames per batch size", DefaultValueFactory = _ => 2000 };
var bench = new Command("bench", "Cost per frame of a bare ONNX Runtime session") { model, threads, batches, benchFrames, output };
bench.SetAction(async (p, ct) =>
    await InferenceBench.RunAsync(p.GetValue(model)!, p.GetValue(threads), p.GetValue(batches)!, p.GetValue(benchFrames), p.GetValue(output)!, Console.Out, ct));

var evalSeed = new Option<ulong>("--frame-seed") { Description = "Seed of the evaluation frames", DefaultValueFactory = _ => TrainCommand.EvalSeed };
var eval = new Command("eval", "Accuracy of an ONNX model per domain") { model, evalSeed, evalFrames, threads };
eval.SetAction(p =>
{
    using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(p.GetValue(model)!);
    foreach (var domain in TrainingOptions.DefaultStores.Select(Orleans.Edge.Vision.Frames.CameraDomain.ForStore).Prepend(Orleans.Edge.Vision.Frames.CameraDomain.Lab))
        Console.WriteLine(TrainCommand.Describe(OnnxEvaluator.Evaluate(session, LabDataset.Generate(domain, p.GetValue(evalSeed), p.GetValue(evalFrames), p.GetValue(threads)), domain.Name)));
});

var framesPerPass = new Option<int>("--frames") { Description = "Frames per timed pass", DefaultValueFactory = _ => 2000 };
var framesBench = new Command("frames", "Cost of rendering one synthetic frame, per domain") { framesPerPass, output };
framesBench.SetAction(async (p, ct) => await FrameBench.RunAsync(p.GetValue(framesPerPass), p.GetValue(output)!, Console.Out, ct));

var fp32Model = new Option<string?>("--model") { Description = "fp32 ONNX file to quantize; default: the embedded shelf-v1" };
var reports = new Option<string>("--reports") { Description = "Folder for vision-int8.json and .md", DefaultValueFactory = _ => "docs/benchmarks" };
var quantize = new Command("quantize", "Build the int8 variant of an fp32 model and compare size, kernels, latency and accuracy") { fp32Model, benchFrames, evalFrames, output, reports };
quantize.SetAction(async (p, ct) =>
{
    var command = "dotnet run --project src/Orleans.Edge.ModelLab -c Release -- quantize" + (p.GetValue(fp32Model) is { } m ? $" --model {m}" : "") +
        $" --frames {p.GetValue(benchFrames)} --eval-frames {p.GetValue(evalFrames)}";
    await QuantizeCommand.RunAsync(p.GetValue(fp32Model), p.GetValue(benchFrames), p.GetValue(evalFrames), p.GetValue(output)!, p.GetValue(reports)!, command, Console.Out, ct);
});

var root = new RootCommand("Orleans.Edge model lab: shelf model training and measurement") { train, bench, eval, framesBench, quantize };
return await root.Parse(args).InvokeAsync();
