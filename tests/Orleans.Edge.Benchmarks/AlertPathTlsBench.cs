using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Orleans.Edge.Client;
using Orleans.Edge.Cloud;
using Orleans.Edge.Domain;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// What mutual TLS adds to the whole store → cloud alert path: a reading that empties a shelf at a
/// store, through the store's grains, outbox and link to its region, the region's inbound log and its
/// link to the cloud, until the cloud's fleet grain applies the alert. The cloud measures each alert
/// itself (<c>orleans_edge_alert_cloud_latency_ms</c>, from the reading's timestamp; every cluster runs
/// in this process, on one clock). The same fleet of three clusters runs plaintext (<c>--insecure</c>)
/// and with mutual TLS 1.3, alternating twice, one emptied shelf in flight at a time (each raises a
/// low-stock and an out-of-stock alert, both measured).
/// </summary>
public static class AlertPathTlsBench
{
    private const int Shelves = 8;
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(15);

    public static async Task RunAsync(int alerts, Report report)
    {
        var certs = Directory.CreateTempSubdirectory("edge-alert-tls-bench-").FullName;
        try
        {
            var results = new Dictionary<string, List<double>>();
            foreach (var insecure in new[] { true, false, true, false })
            {
                var mode = insecure ? "plaintext (--insecure)" : "mutual TLS 1.3";
                var samples = await MeasureAsync(insecure, certs, alerts / 2);
                (results.TryGetValue(mode, out var had) ? had : results[mode] = []).AddRange(samples);
                Console.WriteLine($"{mode}: {samples.Count} alerts, p50 {Stats.Percentile(samples, 50):F3} ms, p99 {Stats.Percentile(samples, 99):F3} ms");
            }
            foreach (var (mode, samples) in results)
                report.Add(new()
                {
                    ["links"] = mode, ["alerts"] = samples.Count, ["p50 ms"] = Stats.Round(Stats.Percentile(samples, 50)),
                    ["p95 ms"] = Stats.Round(Stats.Percentile(samples, 95)), ["p99 ms"] = Stats.Round(Stats.Percentile(samples, 99)), ["max ms"] = Stats.Round(samples.Max()),
                });
            var (plain, tls) = (results["plaintext (--insecure)"], results["mutual TLS 1.3"]);
            report.Facts["added by mTLS, store → cloud alert p50 ms"] = Stats.Round(Stats.Percentile(tls, 50) - Stats.Percentile(plain, 50));
            report.Facts["added by mTLS, store → cloud alert p99 ms"] = Stats.Round(Stats.Percentile(tls, 99) - Stats.Percentile(plain, 99));
            report.Facts["machine"] = $"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}";
        }
        finally
        {
            Directory.Delete(certs, recursive: true);
        }
    }

    private static async Task<List<double>> MeasureAsync(bool insecure, string certs, int alerts)
    {
        using var heard = new CloudAlertLatencies();
        await using var fleet = await LocalFleet.StartAsync(new LocalFleetOptions
        {
            Regions = 1, StoresPerRegion = 1, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Error),
            Trust = insecure ? new TrustSettings { Insecure = true } : new TrustSettings { DevelopmentDirectory = certs },
        });
        var store = fleet.Stores[0];
        var options = new StoreClientOptions { StoreId = store.Id, ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Error) };
        options.Gateways.Add($"127.0.0.1:{store.Settings.GatewayPort}");
        await using var client = await EdgeStoreClient.ConnectAsync(options);
        var cells = new List<SensorId>();
        for (var i = 0; i < Shelves; i++)
        {
            var shelf = new ShelfId($"tls-{i}");
            var cell = new SensorId($"tls-{i}-lc");
            await client.ProvisionShelfAsync(new ShelfSetup(shelf, new PlanogramEntry($"sku-{i}", 100, 500, 10), [new SensorSpec(cell, shelf, SensorKind.LoadCell, 20_000)]));
            cells.Add(cell);
        }
        // Warm-up: every shelf stocked, every link up and idle, then the samples start.
        foreach (var cell in cells) await Put(client, cell, 10);
        await Quiet(fleet);
        heard.Clear();

        for (var i = 0; i < alerts; i++)
        {
            var cell = cells[i % Shelves];
            var before = heard.Count;
            await Put(client, cell, 0);   // empty: an out-of-stock alert
            var waited = Stopwatch.StartNew();
            while (heard.Count == before)
            {
                if (waited.Elapsed > AlertTimeout) throw new TimeoutException($"alert {i} did not reach the cloud within {AlertTimeout.TotalSeconds} s");
                await Task.Delay(1);
            }
            await Put(client, cell, 10);   // refilled: resolved, which also goes up
            await Quiet(fleet);
        }
        await fleet.StopAsync();
        return heard.Samples;
    }

    private static Task Put(IEdgeStoreClient client, SensorId cell, double units) =>
        client.SubmitReadingAsync(new SensorReading(cell, 500 + units * 100, DateTimeOffset.UtcNow));

    // Nothing left in any outbox: the next alert travels alone.
    private static async Task Quiet(LocalFleet fleet)
    {
        var waited = Stopwatch.StartNew();
        while (fleet.Stores.Concat(fleet.Regions).Any(h => h.Outbox!.Count > 0))
        {
            if (waited.Elapsed > AlertTimeout) throw new TimeoutException("the outboxes did not drain");
            await Task.Delay(1);
        }
    }


    /// <summary>The cloud's alert latency measurements, as its fleet grain records them.</summary>
    private sealed class CloudAlertLatencies : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<double> _samples = [];

        public CloudAlertLatencies()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FleetMetrics.MeterName && instrument.Name == FleetMetrics.CloudAlertLatencyName)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
            {
                lock (_samples) _samples.Add(value);
            });
            _listener.Start();
        }

        public int Count
        {
            get { lock (_samples) return _samples.Count; }
        }

        public List<double> Samples
        {
            get { lock (_samples) return [.. _samples]; }
        }

        public void Clear()
        {
            lock (_samples) _samples.Clear();
        }

        public void Dispose() => _listener.Dispose();
    }
}
