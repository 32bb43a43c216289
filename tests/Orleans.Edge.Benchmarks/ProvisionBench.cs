using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// Provisions stores of 100 to 5,000 shelves (a load cell and a camera each) through the SDK over
/// the store's gateway, with grain state in SQLite as the embedded profile keeps it. Each size gets
/// a fresh store; its region is not running, so uplink events just queue. The anchor: before bulk
/// provisioning one shelf cost 29 ms at 100 shelves and 274 ms at 4,500 (a 5,000-shelf store took
/// about 25 minutes).
/// </summary>
public static class ProvisionBench
{
    public static async Task RunAsync(IReadOnlyList<int> sizes, int perShelfAt, Report report)
    {
        report.Facts["shelves"] = "one load cell and one camera each";
        report.Facts["storage"] = "SQLite grain storage (embedded profile with a data directory)";
        report.Facts["bulk"] = $"EdgeStoreClient.ProvisionShelvesAsync, {EdgeStoreClient.ProvisionBatchSize} shelves per store call";
        report.Facts["cpu_s"] = "CPU of the whole benchmark process (store silo and client) while provisioning";
        foreach (var size in sizes) await MeasureAsync(size, bulk: true, report);
        if (perShelfAt > 0) await MeasureAsync(perShelfAt, bulk: false, report);
    }

    private static async Task MeasureAsync(int shelves, bool bulk, Report report)
    {
        var dir = Directory.CreateTempSubdirectory("edge-provision-");
        var gateway = FreePorts.Next();
        var host = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = "pb-s1", RegionId = "pb", ParentAddress = new Uri($"https://127.0.0.1:{FreePorts.Next()}"),
            SiloPort = FreePorts.Next(), GatewayPort = gateway, DataDirectory = dir.FullName, ConfigureLogging = l => l.ClearProviders(),
        });
        try
        {
            await host.StartAsync();
            await using var client = await EdgeStoreClient.ConnectAsync("pb-s1", $"127.0.0.1:{gateway}");
            var setups = Enumerable.Range(0, shelves).Select(Shelf).ToList();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            if (bulk)
            {
                await client.ProvisionShelvesAsync(setups);
            }
            else
            {
                foreach (var setup in setups) await client.ProvisionShelfAsync(setup);
            }
            clock.Stop();
            var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var listed = (await client.GetShelvesAsync()).Count;
            var faults = (await client.GetOpenAlertsAsync()).Count(a => a.Type == AlertType.SensorFault);
            report.Add(new()
            {
                ["path"] = bulk ? "bulk" : "per-shelf", ["shelves"] = shelves, ["sensors"] = shelves * 2,
                ["total_s"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
                ["ms_per_shelf"] = Math.Round(clock.Elapsed.TotalMilliseconds / shelves, 3),
                ["cpu_s"] = Math.Round(cpuUsed.TotalSeconds, 2),
                ["shelves_listed"] = listed, ["sensor_faults"] = faults,
            });
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsync();
            dir.Delete(recursive: true);
        }
    }

    private static ShelfSetup Shelf(int i)
    {
        var shelf = new ShelfId($"aisle-{i / 50:D3}-shelf-{i % 50:D2}");
        return new ShelfSetup(shelf, new PlanogramEntry($"sku-{i:D5}", 250, 800, 16),
        [
            new SensorSpec(new SensorId($"{shelf.Value}-lc"), shelf, SensorKind.LoadCell, 20_000),
            new SensorSpec(new SensorId($"{shelf.Value}-cam"), shelf, SensorKind.Camera, 1),
        ]);
    }
}
