using Microsoft.Extensions.Logging;
using System.Diagnostics;
using Orleans.Edge.Client;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// Demo load on a region's stores; one store's link is cut for <c>outage</c> seconds through a
/// loopback fault proxy, then restored. Measures how long that store takes to drain its backlog
/// (the anchor: Azure IoT Edge took 53 s after a 120 s outage, iotedge PR #7528).
/// </summary>
public static class DrainBench
{
    public static async Task RunAsync(int outageSeconds, int stores, Report report)
    {
        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), ConfigureLogging = l => l.ClearProviders(),
        });
        await cloud.StartAsync();
        var regionPort = FreePorts.Next();
        await using var region = EdgeTierHost.CreateRegion(new RegionalTierSettings
        {
            RegionId = "rb", ParentAddress = cloud.LinkAddress, SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = regionPort,
            ConfigureLogging = l => l.ClearProviders(),
        });
        await region.StartAsync();
        await using var proxy = new FaultProxy(regionPort);
        var hosts = new List<EdgeTierHost>();
        for (var i = 0; i < stores; i++)
        {
            var host = EdgeTierHost.CreateStore(new StoreTierSettings
            {
                StoreId = $"rb-s{i + 1}", RegionId = "rb", ParentAddress = i == 0 ? proxy.Address : region.LinkAddress,
                SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), ConfigureLogging = l => l.ClearProviders(),
            });
            await host.StartAsync();
            hosts.Add(host);
        }
        using var cts = new CancellationTokenSource();
        var loads = new List<Task>();
        foreach (var host in hosts)
        {
            var load = new LoadGenerator(EdgeStoreClient.Create(host.Grains, host.Id), 8, 10, host.Id.GetHashCode(StringComparison.Ordinal));
            await load.ProvisionAsync();
            loads.Add(load.RunAsync(cts.Token));
        }
        var cut = hosts[0];
        await Task.Delay(TimeSpan.FromSeconds(5));

        proxy.Cut();
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(outageSeconds))
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            Console.Error.WriteLine($"outage {outage.Elapsed.TotalSeconds:F0}s: {cut.Outbox!.Count} events queued");
        }
        var backlog = cut.Outbox!.Count;
        var backlogBytes = cut.Outbox.Bytes;
        var ackedBefore = cut.Uplink!.Status.EventsAcked;
        proxy.Restore();
        var drain = Stopwatch.StartNew();
        // Drained when everything queued before the restore has been acked (new events keep coming).
        while (cut.Uplink.Status.EventsAcked - ackedBefore < backlog && drain.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(10);
        drain.Stop();

        await cts.CancelAsync();
        await Task.WhenAll(loads);
        var fleet = await cloud.Grains.GetGrain<IFleetGrain>(EdgeNames.CloudKey).GetView();
        report.Facts["stores"] = stores;
        report.Facts["load"] = "8 shelves per store, load cells at 10 Hz, cameras at 1 Hz, shoppers and restocks";
        report.Add(new()
        {
            ["outage_s"] = outageSeconds, ["backlog_events"] = backlog, ["backlog_bytes"] = backlogBytes,
            ["drain_s"] = Math.Round(drain.Elapsed.TotalSeconds, 3),
            ["drain_events_per_s"] = Math.Round(backlog / Math.Max(drain.Elapsed.TotalSeconds, 0.001)),
            ["reconnects"] = proxy.Connections - 1, ["cloud_duplicate_alert_revisions"] = fleet.DuplicateAlertRevisions,
        });
        foreach (var host in hosts)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
        await region.StopAsync();
        await cloud.StopAsync();
    }
}
