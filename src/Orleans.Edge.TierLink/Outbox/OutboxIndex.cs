using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>
/// The outbox's entries in memory and its eviction policy: the lowest class present goes first,
/// oldest first; alerts never. Not thread-safe: <see cref="LinkOutbox"/> serialises access.
/// </summary>
internal sealed class OutboxIndex(long budgetBytes)
{
    private readonly SortedDictionary<long, OutboxEntry> _all = [];
    private readonly Dictionary<EventClass, Queue<long>> _byClass = Enum.GetValues<EventClass>().ToDictionary(c => c, _ => new Queue<long>());

    public int Count => _all.Count;
    public long Bytes { get; private set; }
    public IEnumerable<OutboxEntry> Entries => _all.Values;

    // Sequence order is append order, so the first entry is the oldest.
    public DateTimeOffset? OldestEnqueuedAt => _all.Count == 0 ? null : _all.Values.First().EnqueuedAt;

    public void Add(OutboxEntry entry)
    {
        _all.Add(entry.Sequence, entry);
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
                if (!_all.TryGetValue(seq, out var entry)) continue;
                victims.Add(entry);
                freed += entry.Size;
            }
        }
        return Bytes - freed + size <= budgetBytes ? victims : null;
    }

    public List<OutboxEntry> RemoveThrough(long sequence)
    {
        var removed = _all.Values.TakeWhile(e => e.Sequence <= sequence).ToList();
        foreach (var entry in removed) Remove(entry);
        return removed;
    }

    /// <summary>Expired entries: each class's queue is in append order, so only its head needs looking at.</summary>
    public List<OutboxEntry> Expired(DateTimeOffset now, IReadOnlyDictionary<EventClass, TimeSpan> ttl)
    {
        var expired = new List<OutboxEntry>();
        foreach (var (cls, queue) in _byClass)
        {
            if (!ttl.TryGetValue(cls, out var t) || t == Timeout.InfiniteTimeSpan) continue;
            foreach (var seq in queue)
            {
                if (!_all.TryGetValue(seq, out var entry)) continue;
                if (now - entry.EnqueuedAt <= t) break;
                expired.Add(entry);
            }
        }
        return expired;
    }

    public void Remove(OutboxEntry entry)
    {
        if (!_all.Remove(entry.Sequence)) return;
        Bytes -= entry.Size;
        var queue = _byClass[entry.Class];
        // Lazy removal: drop dead heads so the queues stay short.
        while (queue.TryPeek(out var head) && !_all.ContainsKey(head)) queue.Dequeue();
    }

    public IReadOnlyList<OutboxEntry> Peek(int max) => [.. _all.Values.Take(max)];
}
