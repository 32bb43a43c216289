using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>What an outbox store kept: its epoch, next sequence number per lane, entries and eviction counts.</summary>
public sealed record OutboxSnapshot(
    long Epoch,
    IReadOnlyList<long> NextSequences,
    IReadOnlyList<OutboxEntry> Entries,
    IReadOnlyDictionary<(EventClass Class, EvictionCause Cause), long> Evicted);

/// <summary>
/// One transaction on an outbox store: add <see cref="Appended"/> (if any), remove the
/// <see cref="Removed"/> entries and add them to the counts of <see cref="Cause"/> (entries removed
/// as <see cref="EvictionCause.Parked"/> are also kept aside for an operator), record every lane's next sequence.
/// </summary>
public sealed record OutboxWrite(OutboxEntry? Appended, IReadOnlyList<OutboxEntry> Removed, EvictionCause Cause, IReadOnlyList<long> NextSequences);

/// <summary>
/// What an outbox keeps on disk (or not): its epoch, its next sequence numbers, its entries and
/// what it evicted or parked. Every call is asynchronous: an outbox is written from grain threads,
/// which must never block on I/O. <see cref="LinkOutbox"/> makes one call at a time.
/// </summary>
public interface IOutboxStore : IAsyncDisposable
{
    /// <summary>Reads what was kept; a new store takes <paramref name="newEpoch"/> as its epoch.</summary>
    Task<OutboxSnapshot> LoadAsync(long newEpoch, CancellationToken cancellationToken = default);

    /// <summary>Commits <paramref name="write"/> in one transaction.</summary>
    Task WriteAsync(OutboxWrite write, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry of <paramref name="lane"/> up to and including <paramref name="sequence"/> (the parent acked them).</summary>
    Task RemoveThroughAsync(int lane, long sequence, CancellationToken cancellationToken = default);
}

/// <summary>Keeps nothing: an outbox that survives link outages but not restarts.</summary>
public sealed class MemoryOutboxStore : IOutboxStore
{
    /// <inheritdoc />
    public Task<OutboxSnapshot> LoadAsync(long newEpoch, CancellationToken cancellationToken = default) =>
        Task.FromResult(new OutboxSnapshot(newEpoch, [.. Enumerable.Repeat(1L, Lanes.Count)], [], new Dictionary<(EventClass, EvictionCause), long>()));

    /// <inheritdoc />
    public Task WriteAsync(OutboxWrite write, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task RemoveThroughAsync(int lane, long sequence, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
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
