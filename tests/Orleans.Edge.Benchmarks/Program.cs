using System.CommandLine;
using Orleans.Edge.Benchmarks;

// Benchmarks report; they never assert. Each writes docs/benchmarks/<name>.json and .md.
var output = new Option<string>("--out") { Description = "Folder for the reports", DefaultValueFactory = _ => "docs/benchmarks" };
var events = new Option<int>("--events") { Description = "Appends per backend", DefaultValueFactory = _ => 20_000 };
var seconds = new Option<int>("--seconds") { Description = "How long the store collects events", DefaultValueFactory = _ => 20 };
var outage = new Option<int>("--outage") { Description = "Seconds the link stays cut", DefaultValueFactory = _ => 120 };
var redis = new Option<string?>("--redis") { Description = "Also measure the Redis backend against this server (host:port)" };
var stores = new Option<int>("--stores") { Description = "Stores under load in the region", DefaultValueFactory = _ => 3 };

var outbox = new Command("outbox", "Durable append throughput and latency per outbox backend") { events, redis, output };
outbox.SetAction(async (p, _) =>
{
    var redisArg = p.GetValue(redis) is { } r ? $" --redis {r}" : "";
    var report = new Report("outbox-append", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- outbox --events {p.GetValue(events)}{redisArg}");
    await OutboxBench.RunAsync(p.GetValue(events), p.GetValue(redis), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var compression = new Command("compression", "gzip, Brotli and zstd on real upward batches") { seconds, output };
compression.SetAction(async (p, _) =>
{
    var report = new Report("link-compression", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- compression --seconds {p.GetValue(seconds)}");
    await CompressionBench.RunAsync(p.GetValue(seconds), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var drain = new Command("drain", "Time to drain a store's backlog after its link was cut") { outage, stores, output };
drain.SetAction(async (p, _) =>
{
    var report = new Report("link-drain", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- drain --outage {p.GetValue(outage)} --stores {p.GetValue(stores)}");
    await DrainBench.RunAsync(p.GetValue(outage), p.GetValue(stores), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var sizes = new Option<int[]>("--sizes") { Description = "Store sizes (shelves) to provision in bulk", DefaultValueFactory = _ => [100, 1_000, 5_000], AllowMultipleArgumentsPerToken = true };
var perShelf = new Option<int>("--per-shelf") { Description = "Also provision this many shelves one call each (0: skip)", DefaultValueFactory = _ => 1_000 };
var provision = new Command("provision", "Time to provision stores of growing size through the SDK") { sizes, perShelf, output };
provision.SetAction(async (p, _) =>
{
    var report = new Report("provision", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- provision --sizes {string.Join(' ', p.GetValue(sizes)!)} --per-shelf {p.GetValue(perShelf)}");
    await ProvisionBench.RunAsync(p.GetValue(sizes)!, p.GetValue(perShelf), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var modelRegions = new Option<int>("--regions") { Description = "Regions of the fleet", DefaultValueFactory = _ => 2 };
var modelStores = new Option<int>("--stores-per-region") { Description = "Stores per region", DefaultValueFactory = _ => 10 };
var modelSizes = new Option<int[]>("--sizes-mb") { Description = "Artifact sizes in MiB", DefaultValueFactory = _ => [1, 64], AllowMultipleArgumentsPerToken = true };
var models = new Command("model-rollout", "Time to apply a model to every store, with and without the region cache, and the bytes the cloud sent")
{
    modelRegions, modelStores, modelSizes, output,
};
models.SetAction(async (p, _) =>
{
    var report = new Report("model-rollout", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- model-rollout --regions {p.GetValue(modelRegions)} " +
        $"--stores-per-region {p.GetValue(modelStores)} --sizes-mb {string.Join(' ', p.GetValue(modelSizes)!)}");
    await ModelRolloutBench.RunAsync(p.GetValue(modelRegions), p.GetValue(modelStores), p.GetValue(modelSizes)!, report);
    await report.WriteAsync(p.GetValue(output)!);
});
var inferenceFrames = new Option<int>("--frames") { Description = "Frames per latency row (twice that per throughput row)", DefaultValueFactory = _ => 5_000 };
var inferenceCameras = new Option<int>("--cameras") { Description = "Cameras driving the throughput rows (enough to fill batch 16)", DefaultValueFactory = _ => 16 };
var inference = new Command("inference", "Camera inference through the store silo against bare ONNX Runtime: latency at one frame in flight, frames/s at MaxBatch 1, 4, 16")
{
    inferenceFrames, inferenceCameras, output,
};
inference.SetAction(async (p, _) =>
{
    var report = new Report("inference", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- inference --frames {p.GetValue(inferenceFrames)} --cameras {p.GetValue(inferenceCameras)}");
    await InferenceBench.RunAsync(p.GetValue(inferenceFrames), p.GetValue(inferenceCameras), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var vmFrames = new Option<int>("--frames") { Description = "Frames (simulated seconds) per stocked shelf", DefaultValueFactory = _ => 3600 };
var vmTrials = new Option<int>("--trials") { Description = "Wrong-SKU shelves per domain", DefaultValueFactory = _ => 5 };
var vmDomains = new Option<string[]>("--domains") { DefaultValueFactory = _ => ["lab", "eu-s1", "eu-s2", "eu-s3", "us-s1", "us-s2", "us-s3"], AllowMultipleArgumentsPerToken = true };
var vmConfidence = new Option<double?>("--wrong-sku-confidence") { Description = "Overrides InferenceOptions.WrongSkuConfidence" };
var vmK = new Option<int?>("--wrong-sku-frames") { Description = "Overrides InferenceOptions.WrongSkuFrames" };
var vmMinAccuracy = new Option<double?>("--min-design-accuracy") { Description = "Overrides InferenceOptions.MinDesignAccuracy (0: trust every model)" };
var vmCameraK = new Option<int?>("--camera-mismatch-frames") { Description = "Overrides InferenceOptions.CameraMismatchFrames" };
var vmName = new Option<string>("--name") { Description = "Report name", DefaultValueFactory = _ => "vision-mismatch" };
var visionMismatch = new Command("vision-mismatch", "False Mismatch alerts of shelf model v1 on correctly stocked shelves per camera domain, and frames to catch a real wrong SKU")
{
    vmFrames, vmTrials, vmDomains, vmConfidence, vmK, vmMinAccuracy, vmCameraK, vmName, output,
};
visionMismatch.SetAction(async (p, _) =>
{
    var report = new Report(p.GetValue(vmName)!, $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- vision-mismatch --frames {p.GetValue(vmFrames)} --trials {p.GetValue(vmTrials)} " +
        $"--domains {string.Join(' ', p.GetValue(vmDomains)!)}" + (p.GetValue(vmConfidence) is { } c ? $" --wrong-sku-confidence {c}" : "") +
        (p.GetValue(vmK) is { } k ? $" --wrong-sku-frames {k}" : "") + (p.GetValue(vmMinAccuracy) is { } m ? $" --min-design-accuracy {m}" : "") +
        (p.GetValue(vmCameraK) is { } ck ? $" --camera-mismatch-frames {ck}" : "") + $" --name {p.GetValue(vmName)}");
    await VisionMismatchBench.RunAsync(p.GetValue(vmFrames), p.GetValue(vmTrials), p.GetValue(vmDomains)!, p.GetValue(vmConfidence), p.GetValue(vmK), p.GetValue(vmMinAccuracy), p.GetValue(vmCameraK), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var tlsPushes = new Option<int>("--pushes") { Description = "Pushes on a warm connection, per link mode", DefaultValueFactory = _ => 4_000 };
var tlsConnections = new Option<int>("--connections") { Description = "New connections (one push each), per link mode", DefaultValueFactory = _ => 200 };
var linkTls = new Command("link-tls", "What mutual TLS adds to a tier-link push, warm and on a new connection, against plaintext") { tlsPushes, tlsConnections, output };
linkTls.SetAction(async (p, _) =>
{
    var report = new Report("link-tls", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- link-tls --pushes {p.GetValue(tlsPushes)} --connections {p.GetValue(tlsConnections)}");
    await LinkTlsBench.RunAsync(p.GetValue(tlsPushes), p.GetValue(tlsConnections), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var tlsAlerts = new Option<int>("--alerts") { Description = "Shelves emptied per link mode (each raises a low-stock and an out-of-stock alert)", DefaultValueFactory = _ => 400 };
var alertTls = new Command("alert-tls", "What mutual TLS adds to the store → cloud alert path, against plaintext") { tlsAlerts, output };
alertTls.SetAction(async (p, _) =>
{
    var report = new Report("alert-path-tls", $"dotnet run --project tests/Orleans.Edge.Benchmarks -c Release -- alert-tls --alerts {p.GetValue(tlsAlerts)}");
    await AlertPathTlsBench.RunAsync(p.GetValue(tlsAlerts), report);
    await report.WriteAsync(p.GetValue(output)!);
});
var root = new RootCommand("Orleans.Edge benchmarks") { outbox, compression, drain, provision, models, inference, visionMismatch, linkTls, alertTls };
return await root.Parse(args).InvokeAsync();
