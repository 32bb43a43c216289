using System.Buffers.Binary;
using Orleans.Edge.Events;
using StackExchange.Redis;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The production profile's outbox in the tier's own Redis: a hash of entries, a sorted set of
/// their sequence numbers and a meta hash (epoch, next sequence, eviction counts), changed in transactions so the
/// silos of a cluster share one outbox. As durable as the Redis server is configured to be
/// (<c>appendonly yes</c>, <c>appendfsync always</c> for an fsync per write).
/// </summary>
public sealed class RedisOutboxStore(IDatabase db, string keyPrefix) : IOutboxStore
{
    private const string RemoveThroughScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        for _, id in ipairs(ids) do redis.call('HDEL', KEYS[1], id) end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        return #ids
        """;

    private readonly RedisKey _meta = $"{keyPrefix}:meta";
    private readonly RedisKey _entries = $"{keyPrefix}:entries";
    private readonly RedisKey _seqs = $"{keyPrefix}:seqs";

    /// <inheritdoc />
    public bool IsDurable => true;

    /// <inheritdoc />
    public OutboxSnapshot Load(long newEpoch)
    {
        db.HashSet(_meta, "epoch", newEpoch, When.NotExists);
        var epoch = (long)db.HashGet(_meta, "epoch");
        var next = db.HashGet(_meta, "next") is { HasValue: true } n ? (long)n : 1;
        var seqs = db.SortedSetRangeByRank(_seqs);
        var bodies = seqs.Length == 0 ? [] : db.HashGet(_entries, seqs);
        var entries = new List<OutboxEntry>(seqs.Length);
        for (var i = 0; i < seqs.Length; i++)
        {
            if (bodies[i].IsNull) continue;
            byte[] blob = bodies[i]!;
            var body = blob.AsSpan(9);
            entries.Add(new OutboxEntry((long)seqs[i], (EventClass)blob[0], P.UpEvent.Parser.ParseFrom(body), body.Length,
                LinkMapping.FromUs(BinaryPrimitives.ReadInt64LittleEndian(blob.AsSpan(1, 8)))));
        }
        var keys = EvictionKeys.All.ToList();
        var counts = db.HashGet(_meta, [.. keys.Select(k => (RedisValue)k.Key)]);
        var evicted = keys.Zip(counts).Where(p => p.Second.HasValue && (long)p.Second > 0)
            .ToDictionary(p => (p.First.Class, p.First.Cause), p => (long)p.Second);
        return new OutboxSnapshot(epoch, Math.Max(next, entries.Count == 0 ? 1 : entries[^1].Sequence + 1), entries, evicted);
    }

    /// <inheritdoc />
    public void Write(OutboxEntry? appended, IReadOnlyList<OutboxEntry> evicted, EvictionCause cause, long nextSequence)
    {
        var tx = db.CreateTransaction();
        if (appended is not null)
        {
            var body = Google.Protobuf.MessageExtensions.ToByteArray(appended.Message);
            var blob = new byte[9 + body.Length];
            blob[0] = (byte)appended.Class;
            BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(1, 8), LinkMapping.ToUs(appended.EnqueuedAt));
            body.CopyTo(blob, 9);
            _ = tx.HashSetAsync(_entries, appended.Sequence, blob);
            _ = tx.SortedSetAddAsync(_seqs, appended.Sequence, appended.Sequence);
        }
        if (evicted.Count > 0)
        {
            var ids = evicted.Select(r => (RedisValue)r.Sequence).ToArray();
            _ = tx.HashDeleteAsync(_entries, ids);
            _ = tx.SortedSetRemoveAsync(_seqs, ids);
            foreach (var ((cls, c), number) in EvictionKeys.Count(evicted, cause))
                _ = tx.HashIncrementAsync(_meta, EvictionKeys.Of(cls, c), number);
        }
        _ = tx.HashSetAsync(_meta, "next", nextSequence);
        if (!tx.Execute()) throw new InvalidOperationException($"outbox transaction on '{keyPrefix}' did not commit");
    }

    /// <inheritdoc />
    public void RemoveThrough(long sequence) =>
        db.ScriptEvaluate(RemoveThroughScript, [_entries, _seqs], [sequence]);

    /// <inheritdoc />
    public void Dispose()
    {
        // The connection belongs to whoever passed the database in.
    }
}
