using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>What an outbox store kept: its epoch, next sequence number per lane, entries and eviction counts.</summary>
public sealed record OutboxSnapshot(
    long Epoch,
    IReadOnlyList<long> NextSequences,
    IReadOnlyList<OutboxEntry> Entries,
    IReadOnlyDictionary<(EventClass Class, EvictionCause Cause), long> Evicted);

/// <summary>What an outbox keeps on disk (or not): its epoch, its next sequence number, its entries and what it evicted.</summary>
public interface IOutboxStore : IDisposable
{
    /// <summary>True when writes survive the process.</summary>
    bool IsDurable { get; }

    /// <summary>Reads what was kept; a new store takes <paramref name="newEpoch"/> as its epoch.</summary>
    OutboxSnapshot Load(long newEpoch);

    /// <summary>
    /// In one transaction: adds <paramref name="appended"/> (if any), removes the <paramref name="evicted"/>
    /// entries and adds them to the eviction counts under <paramref name="cause"/>, records the next
    /// sequence of every lane.
    /// </summary>
    void Write(OutboxEntry? appended, IReadOnlyList<OutboxEntry> evicted, EvictionCause cause, IReadOnlyList<long> nextSequences);

    /// <summary>Removes every entry of <paramref name="lane"/> up to and including <paramref name="sequence"/> (the parent acked them).</summary>
    void RemoveThrough(int lane, long sequence);
}

/// <summary>Keeps nothing: an outbox that survives link outages but not restarts.</summary>
public sealed class MemoryOutboxStore : IOutboxStore
{
    /// <inheritdoc />
    public bool IsDurable => false;

    /// <inheritdoc />
    public OutboxSnapshot Load(long newEpoch) => new(newEpoch, [.. Enumerable.Repeat(1L, Lanes.Count)], [], new Dictionary<(EventClass, EvictionCause), long>());

    /// <inheritdoc />
    public void Write(OutboxEntry? appended, IReadOnlyList<OutboxEntry> evicted, EvictionCause cause, IReadOnlyList<long> nextSequences)
    {
    }

    /// <inheritdoc />
    public void RemoveThrough(int lane, long sequence)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}

/// <summary>How stores name an eviction counter.</summary>
internal static class EvictionKeys
{
    public static string Of(EventClass eventClass, EvictionCause cause) => $"evicted.{eventClass}.{cause}";

    public static IEnumerable<(EventClass Class, EvictionCause Cause, string Key)> All =>
        from c in Enum.GetValues<EventClass>() from cause in Enum.GetValues<EvictionCause>() select (c, cause, Of(c, cause));

    public static Dictionary<(EventClass, EvictionCause), int> Count(IReadOnlyList<OutboxEntry> evicted, EvictionCause cause) =>
        evicted.GroupBy(e => (e.Class, cause)).ToDictionary(g => g.Key, g => g.Count());
}
