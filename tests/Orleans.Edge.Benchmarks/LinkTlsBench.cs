using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Edge.Domain;
using Orleans.Edge.Events;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.TierLink;
using Orleans.Edge.TierLink.Child;
using Orleans.Edge.Trust;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// What mutual TLS costs a tier link: the same pushes (one event each, one in flight, the child's real
/// <see cref="ParentLink"/>) to a cloud served plaintext (<c>--insecure</c>) and with mutual TLS 1.3,
/// on a warm connection and on a new one (TCP + TLS handshake + HTTP/2 set-up + the push).
/// </summary>
public static class LinkTlsBench
{
    private const string Region = "tls-bench";

    public static async Task RunAsync(int pushes, int connections, Report report)
    {
        var certs = Directory.CreateTempSubdirectory("edge-tls-bench-").FullName;
        try
        {
            var results = new Dictionary<string, (double[] Warm, double[] Cold)>();
            // Alternate the modes twice, so neither gets all of a warmer machine.
            foreach (var insecure in new[] { true, false, true, false })
            {
                var mode = insecure ? "plaintext (--insecure)" : "mutual TLS 1.3";
                var (warm, cold) = await MeasureAsync(insecure, certs, pushes / 2, connections / 2);
                results[mode] = results.TryGetValue(mode, out var had) ? ([.. had.Warm, .. warm], [.. had.Cold, .. cold]) : (warm, cold);
                Console.WriteLine($"{mode}: warm p50 {Stats.Percentile(warm, 50):F3} ms, new connection p50 {Stats.Percentile(cold, 50):F3} ms");
            }
            foreach (var (mode, (warm, cold)) in results)
            {
                report.Add(new()
                {
                    ["link"] = mode, ["pushes"] = warm.Length,
                    ["warm p50 ms"] = Stats.Round(Stats.Percentile(warm, 50)), ["warm p99 ms"] = Stats.Round(Stats.Percentile(warm, 99)),
                    ["new connections"] = cold.Length,
                    ["new connection p50 ms"] = Stats.Round(Stats.Percentile(cold, 50)), ["new connection p99 ms"] = Stats.Round(Stats.Percentile(cold, 99)),
                });
            }
            var (plainWarm, plainCold) = results["plaintext (--insecure)"];
            var (tlsWarm, tlsCold) = results["mutual TLS 1.3"];
            report.Facts["added by mTLS, warm push p50 ms"] = Stats.Round(Stats.Percentile(tlsWarm, 50) - Stats.Percentile(plainWarm, 50));
            report.Facts["added by mTLS, warm push p99 ms"] = Stats.Round(Stats.Percentile(tlsWarm, 99) - Stats.Percentile(plainWarm, 99));
            report.Facts["added by mTLS, new connection p50 ms"] = Stats.Round(Stats.Percentile(tlsCold, 50) - Stats.Percentile(plainCold, 50));
            report.Facts["machine"] = $"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}";
        }
        finally
        {
            Directory.Delete(certs, recursive: true);
        }
    }

    private static async Task<(double[] Warm, double[] Cold)> MeasureAsync(bool insecure, string certs, int pushes, int connections)
    {
        var trust = new TrustSettings { Insecure = insecure, DevelopmentDirectory = certs };
        await using var cloud = EdgeTierHost.CreateCloud(new CloudTierSettings
        {
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), LinkPort = FreePorts.Next(), Trust = trust,
            ConfigureLogging = l => l.ClearProviders(),
        });
        await cloud.StartAsync();
        var child = insecure
            ? LinkTrust.Insecure()
            : LinkTrust.Mutual(new CertificateFileSource(await DevelopmentCertificates.EnsureAsync(certs, NodeIdentity.From(trust.TrustDomain, EdgeIdentity.Region(Region)))));
        var options = Options.Create(new TierLinkClientOptions { ParentAddress = cloud.LinkAddress });
        var epoch = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long sequence = 0;
        P.UpBatch Next()
        {
            var batch = new P.UpBatch { ChildId = Region, Epoch = epoch };
            batch.Events.Add(LinkMapping.ToWire(Region, ++sequence,
                new StoreStateEvent(new StoreId("tls-bench-s1"), new RegionId(Region), 0, 1, DateTimeOffset.UtcNow)));
            return batch;
        }

        using var link = new ParentLink(options, child);
        for (var i = 0; i < 200; i++) await link.Client.PushAsync(Next());   // warm-up: JIT, grains, connection
        var warm = new double[pushes];
        for (var i = 0; i < pushes; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await link.Client.PushAsync(Next());
            warm[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        var cold = new double[connections];
        for (var i = 0; i < connections; i++)
        {
            using var fresh = new ParentLink(options, child);
            var started = Stopwatch.GetTimestamp();
            await fresh.Client.PushAsync(Next());
            cold[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        return (warm, cold);
    }

}
