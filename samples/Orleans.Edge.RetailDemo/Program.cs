using System.CommandLine;
using Orleans.Edge.RetailDemo;
using Spectre.Console;

var regions = new Option<int>("--regions") { Description = "Regions, each its own cluster", DefaultValueFactory = _ => 2 };
var stores = new Option<int>("--stores-per-region") { Description = "Stores per region, each its own cluster", DefaultValueFactory = _ => 3 };
var shelves = new Option<int>("--shelves-per-store") { Description = "Shelves per store (a load cell and a camera each)", DefaultValueFactory = _ => 8 };
var duration = new Option<string>("--duration") { Description = "How long to simulate, e.g. 30s, 2m, 1m30s", DefaultValueFactory = _ => "30s" };
var report = new Option<string?>("--report") { Description = "Write the run's report as JSON to this file" };
var hz = new Option<double>("--reading-hz") { Description = "Load-cell readings per shelf per second", DefaultValueFactory = _ => 10 };
var frameHz = new Option<double>("--frame-hz")
{
    Description = "Camera frames per camera per second (synthetic 128×64 shelf frames, judged by the store's shelf model)", DefaultValueFactory = _ => 1,
};
var seed = new Option<int>("--seed") { Description = "Seed of the shoppers' randomness", DefaultValueFactory = _ => 42 };
var verbose = new Option<bool>("--verbose") { Description = "Show the silos' warnings" };
var chaos = new Option<bool>("--chaos")
{
    Description = "Cut tier links, crash and restart store and region clusters, and fail a share of outbox writes and trims, grain writes " +
                  "and stream publishes for 10 s at a time during the run (per 120 s: 20 cuts, 3 + 3 crashes, 14 storage and publish fault periods); " +
                  "the report's delivery section shows what that cost (lost must be 0)",
};
var dataDir = new Option<string?>("--data-dir") { Description = "Keep every cluster's grain state and outbox in SQLite under this folder (default: in memory)" };

var root = new RootCommand("Orleans.Edge retail demo: a cloud, regions and stores, each its own Orleans cluster, joined by gRPC tier links.")
{
    regions, stores, shelves, duration, report, hz, frameHz, seed, verbose, dataDir, chaos,
};
root.SetAction(async (parse, ct) =>
{
    if (!DemoOptions.TryParseDuration(parse.GetValue(duration)!, out var length))
    {
        AnsiConsole.MarkupLineInterpolated($"[red]--duration '{parse.GetValue(duration)}' is not a duration; use e.g. 30s, 2m or 1m30s[/]");
        return 2;
    }
    var options = new DemoOptions(parse.GetValue(regions), parse.GetValue(stores), parse.GetValue(shelves), length,
        parse.GetValue(report), parse.GetValue(hz), parse.GetValue(seed), parse.GetValue(verbose), parse.GetValue(dataDir), parse.GetValue(chaos), parse.GetValue(frameHz));
    var problems = options.Problems().ToList();
    if (problems.Count > 0)
    {
        foreach (var problem in problems) AnsiConsole.MarkupLineInterpolated($"[red]{problem}[/]");
        return 2;
    }
    // Ctrl-C ends the simulation early; the run still drains, reports and stops cleanly.
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return await new DemoRun(options).RunAsync(stop.Token);
});
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
