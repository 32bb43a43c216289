using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The outbox's entries in memory, by lane and sequence, and its eviction policy: the lowest class
/// present goes first, oldest first; alerts never. Not thread-safe: <see cref="LinkOutbox"/> serialises access.
/// </summary>
internal sealed class OutboxIndex(long budgetBytes)
{
    private readonly SortedDictionary<long, OutboxEntry>[] _lanes = [.. Enumerable.Range(0, Lanes.Count).Select(_ => new SortedDictionary<long, OutboxEntry>())];
    private readonly Dictionary<EventClass, Queue<long>> _byClass = Enum.GetValues<EventClass>().ToDictionary(c => c, _ => new Queue<long>());

    public int Count => _lanes.Sum(l => l.Count);
    public long Bytes { get; private set; }

    // Sequence order is append order within a lane, so each lane's first entry is its oldest.
    public DateTimeOffset? OldestEnqueuedAt =>
        _lanes.Where(l => l.Count > 0).Select(l => (DateTimeOffset?)l.Values.First().EnqueuedAt).Min();

    public void Add(OutboxEntry entry)
    {
        _lanes[entry.Lane].Add(entry.Sequence, entry);
        _byClass[entry.Class].Enqueue(entry.Sequence);
        Bytes += entry.Size;
    }

    /// <summary>
    /// The entries to evict so that <paramref name="size"/> more bytes of <paramref name="eventClass"/>
    /// fit, or null when they cannot fit without evicting an alert or something of a higher class.
    /// </summary>
    public List<OutboxEntry>? MakeRoom(EventClass eventClass, int size)
    {
        var victims = new List<OutboxEntry>();
        var freed = 0L;
        foreach (var cls in Enum.GetValues<EventClass>().Where(c => c <= eventClass && c != EventClass.Alert).Order())
        {
            foreach (var seq in _byClass[cls])
            {
                if (Bytes - freed + size <= budgetBytes) return victims;
                if (!_lanes[cls.LaneOf()].TryGetValue(seq, out var entry)) continue;
                victims.Add(entry);
                freed += entry.Size;
            }
        }
        return Bytes - freed + size <= budgetBytes ? victims : null;
    }

    /// <summary>The entries of <paramref name="lane"/> up to and including <paramref name="sequence"/>.</summary>
    public List<OutboxEntry> Through(int lane, long sequence) => [.. _lanes[lane].Values.TakeWhile(e => e.Sequence <= sequence)];

    public bool Contains(OutboxEntry entry) => _lanes[entry.Lane].ContainsKey(entry.Sequence);

    /// <summary>Expired entries: each class's queue is in append order, so only its head needs looking at.</summary>
    public List<OutboxEntry> Expired(DateTimeOffset now, IReadOnlyDictionary<EventClass, TimeSpan> ttl)
    {
        var expired = new List<OutboxEntry>();
        foreach (var (cls, queue) in _byClass)
        {
            if (!ttl.TryGetValue(cls, out var t) || t == Timeout.InfiniteTimeSpan) continue;
            foreach (var seq in queue)
            {
                if (!_lanes[cls.LaneOf()].TryGetValue(seq, out var entry)) continue;
                if (now - entry.EnqueuedAt <= t) break;
                expired.Add(entry);
            }
        }
        return expired;
    }

    public void Remove(OutboxEntry entry)
    {
        var lane = _lanes[entry.Lane];
        if (!lane.Remove(entry.Sequence)) return;
        Bytes -= entry.Size;
        var queue = _byClass[entry.Class];
        // Lazy removal: drop dead heads so the queues stay short.
        while (queue.TryPeek(out var head) && !lane.ContainsKey(head)) queue.Dequeue();
    }

    /// <summary>
    /// Up to <paramref name="maxEvents"/> entries and <paramref name="maxBytes"/> bytes (but always the
    /// first, whatever its size): the priority lane first, so alerts overtake a backlog of summaries.
    /// </summary>
    public IReadOnlyList<OutboxEntry> Peek(int maxEvents, long maxBytes)
    {
        var batch = new List<OutboxEntry>();
        var bytes = 0L;
        foreach (var entry in _lanes.SelectMany(l => l.Values))
        {
            if (batch.Count == maxEvents || (batch.Count > 0 && bytes + entry.Size > maxBytes)) break;
            batch.Add(entry);
            bytes += entry.Size;
        }
        return batch;
    }
}
