using Microsoft.Extensions.Logging;
using System.Diagnostics;
using System.IO.Compression;
using Google.Protobuf;
using Orleans.Edge.Client;
using Orleans.Edge.Grains;
using Orleans.Edge.Hosting;
using Orleans.Edge.Simulation;
using Orleans.Edge.Policies;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.Benchmarks;

/// <summary>
/// Compresses real upward batches three ways. The events come from a store run under demo load
/// with its region unreachable, so the outbox fills with what a reconnect would send.
/// </summary>
public static class CompressionBench
{
    public static async Task RunAsync(int seconds, Report report)
    {
        var events = await CollectEvents(seconds);
        report.Facts["events"] = events.Count;
        report.Facts["event_bytes_total"] = events.Sum(e => e.CalculateSize());
        report.Facts["source"] = $"one store, 24 shelves at 10 Hz, 1 s summary windows, {seconds} s with its region unreachable";
        var codecs = new (string Name, Func<byte[], byte[]> Compress)[]
        {
            ("none", b => b),
            ("gzip fastest", b => Run(b, s => new GZipStream(s, CompressionLevel.Fastest))),
            ("gzip optimal", b => Run(b, s => new GZipStream(s, CompressionLevel.Optimal))),
            ("brotli q4", b => Brotli(b, 4)),
            ("brotli q11", b => Brotli(b, 11)),
            ("zstd 3", b => new ZstdSharp.Compressor(3).Wrap(b).ToArray()),
            ("zstd 9", b => new ZstdSharp.Compressor(9).Wrap(b).ToArray()),
        };
        foreach (var batchSize in new[] { 1, 16, 256 })
        {
            var batches = events.Chunk(batchSize).Select(chunk =>
            {
                var batch = new P.UpBatch();
                batch.Events.AddRange(chunk);
                return batch.ToByteArray();
            }).ToList();
            var raw = batches.Sum(b => (long)b.Length);
            foreach (var (name, compress) in codecs)
            {
                compress(batches[0]);   // warm up
                var sw = Stopwatch.StartNew();
                var size = batches.Sum(b => (long)compress(b).Length);
                sw.Stop();
                report.Add(new()
                {
                    ["batch_events"] = batchSize, ["codec"] = name, ["batches"] = batches.Count, ["bytes"] = size,
                    ["ratio"] = Math.Round((double)size / raw, 3), ["us_per_batch"] = Math.Round(sw.Elapsed.TotalMicroseconds / batches.Count, 1),
                });
            }
        }
    }

    private static async Task<List<P.UpEvent>> CollectEvents(int seconds)
    {
        await using var store = EdgeTierHost.CreateStore(new StoreTierSettings
        {
            StoreId = "bench-store", RegionId = "bench", ParentAddress = new Uri($"https://127.0.0.1:{FreePorts.Next()}"),
            SiloPort = FreePorts.Next(), GatewayPort = FreePorts.Next(), ConfigureLogging = l => l.ClearProviders(),
        });
        await store.StartAsync();
        var client = EdgeStoreClient.Create(store.Grains, "bench-store");
        await store.Grains.GetGrain<IStoreConfigGrain>("bench-store").Apply([new PolicyDocument(PolicyScope.Global, 1,
            ReplenishmentPolicy.Default with { SummaryWindow = TimeSpan.FromSeconds(1) }, DateTimeOffset.UtcNow)]);
        var load = new LoadGenerator(client, 24, 10, 7);
        await load.ProvisionAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        await load.RunAsync(cts.Token);
        await Task.Delay(1500);
        var events = store.Outbox!.Peek(int.MaxValue).Select(e => e.Message).ToList();
        await store.StopAsync();
        return events;
    }

    private static byte[] Run(byte[] input, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var z = wrap(output)) z.Write(input);
        return output.ToArray();
    }

    private static byte[] Brotli(byte[] input, int quality)
    {
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(input.Length)];
        return BrotliEncoder.TryCompress(input, output, out var written, quality, 22) ? output[..written] : throw new InvalidOperationException("brotli failed");
    }
}
