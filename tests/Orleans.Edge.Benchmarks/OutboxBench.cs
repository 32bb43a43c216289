using System.Diagnostics;
using Orleans.Edge.Events;
using Orleans.Edge.TierLink.Outbox;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.Benchmarks;

/// <summary>Durable append throughput and latency of each outbox backend, one producer appending as fast as it can.</summary>
public static class OutboxBench
{
    private static StackExchange.Redis.ConfigurationOptions Admin(string configuration)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(configuration);
        options.AllowAdmin = true;   // to read the server's persistence settings for the label
        return options;
    }

    /// <summary>How durable the Redis server under test is: its AOF settings, as it reports them.</summary>
    private static string Persistence(StackExchange.Redis.ConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var config = server.ConfigGet("append*").ToDictionary(p => p.Key, p => p.Value);
        return config.GetValueOrDefault("appendonly") == "yes" ? $"appendonly yes, appendfsync {config.GetValueOrDefault("appendfsync")}" : "appendonly no";
    }

    public static async Task RunAsync(int events, string? redis, Report report)
    {
        using var redisConnection = redis is null ? null : await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Admin(redis));
        report.Facts["events_per_backend"] = events;
        report.Facts["event_bytes"] = Event(1).CalculateSize();
        var backends = new List<(string Name, bool Sync)> { ("memory", false), ("sqlite synchronous=NORMAL", false), ("sqlite synchronous=FULL", true) };
        if (redisConnection is not null) backends.Add(($"redis ({Persistence(redisConnection)})", false));
        foreach (var (name, sync) in backends)
        {
            var dir = Directory.CreateTempSubdirectory("edge-bench-").FullName;
            IOutboxStore store = name switch
            {
                "memory" => new MemoryOutboxStore(),
                _ when name.StartsWith("redis", StringComparison.Ordinal) => new RedisOutboxStore(redisConnection!.GetDatabase(), $"bench:{Guid.NewGuid():N}"),
                _ => new SqliteOutboxStore(Path.Combine(dir, "outbox.db"), sync),
            };
            await using var outbox = await LinkOutbox.OpenAsync(store, new OutboxOptions { BudgetBytes = 1L << 30 }, TimeProvider.System);
            var latencies = new double[events];
            var total = Stopwatch.StartNew();
            for (var i = 0; i < events; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await outbox.AppendAsync(EventClass.Summary, Event);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i % 1000 == 999) Console.Error.Write('.');
            }
            total.Stop();
            Array.Sort(latencies);
            report.Add(new()
            {
                ["backend"] = name,
                ["appends_per_second"] = Math.Round(events / total.Elapsed.TotalSeconds),
                ["p50_ms"] = Math.Round(latencies[events / 2], 3),
                ["p99_ms"] = Math.Round(latencies[(int)(events * 0.99)], 3),
                ["max_ms"] = Math.Round(latencies[^1], 3),
            });
            Directory.Delete(dir, recursive: true);
        }
    }

    private static P.UpEvent Event(long seq) => new()
    {
        Sequence = (ulong)seq,
        ShelfSummary = new P.ShelfSummary
        {
            ShelfId = "aisle3-shelf2", Sku = "olive-oil-500ml", WindowEndUs = 1_795_000_000_000_000, WindowLengthMs = 10_000,
            UnitsMinCenti = 400, UnitsMaxCenti = 1200, UnitsLastCenti = 700, Readings = 100, SalesCenti = 500, AvailabilityBp = 10_000,
        },
    };
}
