using System.Buffers.Binary;
using Orleans.Edge.Events;
using StackExchange.Redis;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The production profile's outbox in the tier's own Redis: a hash of entries, a sorted set of
/// their sequence numbers and a meta hash (epoch, next sequence, eviction counts), changed in transactions so the
/// silos of a cluster share one outbox. As durable as the Redis server is configured to be
/// (<c>appendonly yes</c>, <c>appendfsync always</c> for an fsync per write). Parked entries are kept in a hash of their own.
/// </summary>
public sealed class RedisOutboxStore(Func<Task<IDatabase>> database, string keyPrefix) : IOutboxStore
{
    /// <summary>A store on a database that is already connected.</summary>
    public RedisOutboxStore(IDatabase db, string keyPrefix) : this(() => Task.FromResult(db), keyPrefix)
    {
    }

    private IDatabase db = null!;   // set by LoadAsync, which every user of a store calls first

    private const string RemoveThroughScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        for _, id in ipairs(ids) do redis.call('HDEL', KEYS[1], ARGV[2] .. ':' .. id) end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        return #ids
        """;

    private readonly RedisKey _meta = $"{keyPrefix}:meta";
    private readonly RedisKey _entries = $"{keyPrefix}:entries";
    private readonly RedisKey _parked = $"{keyPrefix}:parked";
    private readonly RedisKey[] _seqs = [.. Enumerable.Range(0, Lanes.Count).Select(l => (RedisKey)$"{keyPrefix}:seqs:{l}")];

    // The next sequences this writer last saw in Redis; a write commits only if Redis still holds
    // them, so a second writer (a brief duplicate owner) fails loudly instead of reusing a number.
    private long[] _lastNext = [];

    private static RedisValue Field(int lane, long sequence) => $"{lane}:{sequence}";

    private static RedisValue NextField(int lane) => $"next.{lane}";

    /// <inheritdoc />
    public async Task<OutboxSnapshot> LoadAsync(long newEpoch, CancellationToken cancellationToken = default)
    {
        db = await database();
        await db.HashSetAsync(_meta, "epoch", newEpoch, When.NotExists);
        for (var lane = 0; lane < Lanes.Count; lane++) await db.HashSetAsync(_meta, NextField(lane), 1, When.NotExists);
        var epoch = (long)await db.HashGetAsync(_meta, "epoch");
        var entries = new List<OutboxEntry>();
        var next = new List<long>();
        var stored = new List<long>();
        for (var lane = 0; lane < Lanes.Count; lane++)
        {
            var seqs = await db.SortedSetRangeByRankAsync(_seqs[lane]);
            var bodies = seqs.Length == 0 ? [] : await db.HashGetAsync(_entries, [.. seqs.Select(s => Field(lane, (long)s))]);
            for (var i = 0; i < seqs.Length; i++)
            {
                if (bodies[i].IsNull) continue;
                byte[] blob = bodies[i]!;
                var body = blob.AsSpan(9);
                entries.Add(new OutboxEntry((long)seqs[i], (EventClass)blob[0], P.UpEvent.Parser.ParseFrom(body), body.Length,
                    LinkMapping.FromUs(BinaryPrimitives.ReadInt64LittleEndian(blob.AsSpan(1, 8)))));
            }
            var kept = (long)await db.HashGetAsync(_meta, NextField(lane));   // set to 1 above if it was missing
            stored.Add(kept);
            next.Add(Math.Max(kept, seqs.Length == 0 ? 1 : (long)seqs[^1] + 1));
        }
        _lastNext = [.. stored];
        var keys = EvictionKeys.All.ToList();
        var counts = await db.HashGetAsync(_meta, [.. keys.Select(k => (RedisValue)k.Key)]);
        var evicted = keys.Zip(counts).Where(p => p.Second.HasValue && (long)p.Second > 0)
            .ToDictionary(p => (p.First.Class, p.First.Cause), p => (long)p.Second);
        return new OutboxSnapshot(epoch, next, entries, evicted);
    }

    /// <inheritdoc />
    public async Task WriteAsync(OutboxWrite write, CancellationToken cancellationToken = default)
    {
        var (appended, evicted, cause, nextSequences) = write;
        var tx = db.CreateTransaction();
        if (appended is not null)
        {
            _ = tx.HashSetAsync(_entries, Field(appended.Lane, appended.Sequence), Blob(appended));
            _ = tx.SortedSetAddAsync(_seqs[appended.Lane], appended.Sequence, appended.Sequence);
        }
        if (cause == EvictionCause.Parked)
            foreach (var entry in evicted) _ = tx.HashSetAsync(_parked, Field(entry.Lane, entry.Sequence), Blob(entry));
        if (evicted.Count > 0)
        {
            _ = tx.HashDeleteAsync(_entries, [.. evicted.Select(e => Field(e.Lane, e.Sequence))]);
            foreach (var lane in evicted.GroupBy(e => e.Lane))
                _ = tx.SortedSetRemoveAsync(_seqs[lane.Key], [.. lane.Select(e => (RedisValue)e.Sequence)]);
            foreach (var ((cls, c), number) in EvictionKeys.Count(evicted, cause))
                _ = tx.HashIncrementAsync(_meta, EvictionKeys.Of(cls, c), number);
        }
        for (var lane = 0; lane < _lastNext.Length; lane++) tx.AddCondition(Condition.HashEqual(_meta, NextField(lane), _lastNext[lane]));
        _ = tx.HashSetAsync(_meta, [.. nextSequences.Select((n, l) => new HashEntry(NextField(l), n))]);
        if (!await tx.ExecuteAsync())
            throw new InvalidOperationException($"outbox '{keyPrefix}' was written by another writer since this one loaded it; " +
                                                "nothing was appended (is a second owner of this uplink running?)");
        _lastNext = [.. nextSequences];
    }

    private static byte[] Blob(OutboxEntry entry)
    {
        var body = Google.Protobuf.MessageExtensions.ToByteArray(entry.Message);
        var blob = new byte[9 + body.Length];
        blob[0] = (byte)entry.Class;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(1, 8), LinkMapping.ToUs(entry.EnqueuedAt));
        body.CopyTo(blob, 9);
        return blob;
    }

    /// <inheritdoc />
    public Task RemoveThroughAsync(int lane, long sequence, CancellationToken cancellationToken = default) =>
        db.ScriptEvaluateAsync(RemoveThroughScript, [_entries, _seqs[lane]], [sequence, lane]);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;   // the connection belongs to whoever passed the database in
}
