using Orleans.Edge.Events;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>An upward event waiting for its parent's ack; <c>Sequence</c> counts within its lane.</summary>
public sealed record OutboxEntry(long Sequence, EventClass Class, P.UpEvent Message, int Size, DateTimeOffset EnqueuedAt)
{
    /// <summary>The lane (sequence space) of its class.</summary>
    public int Lane => Class.LaneOf();
}

/// <summary>Why an entry left the outbox without being acked.</summary>
public enum EvictionCause
{
    /// <summary>It outlived its class's time to live.</summary>
    Ttl,
    /// <summary>The byte budget was full and it was of the lowest class present.</summary>
    Budget,
    /// <summary>
    /// The parent refused it for good (too large, malformed): it was taken out of its lane so the
    /// events behind it could go, kept aside in the store for an operator, logged and counted.
    /// </summary>
    Parked,
}

/// <summary>
/// What an outbox shows without changing it: its epoch, what waits, what it numbered and evicted.
/// Metrics, status and tests read this; only the uplink's writer (<see cref="IOutbox"/>) changes it.
/// </summary>
public interface IOutboxStatus
{
    /// <summary>Incarnation of this outbox; sequence numbers restart only with a new epoch.</summary>
    long Epoch { get; }

    /// <summary>Entries waiting.</summary>
    int Count { get; }

    /// <summary>Bytes waiting, in wire encoding.</summary>
    long Bytes { get; }

    /// <summary>Events appended since this outbox was opened.</summary>
    long Appended { get; }

    /// <summary>
    /// The last sequence number handed out in each lane in this epoch (index: lane), across restarts of a durable outbox.
    /// </summary>
    IReadOnlyList<long> LastSequences { get; }

    /// <summary>
    /// Events ever numbered in this epoch, in every lane: each is acked, waiting or evicted (those
    /// refused for want of room included).
    /// </summary>
    long EventsNumbered { get; }

    /// <summary>The most entries it held at once since it was opened.</summary>
    int MaxCount { get; }

    /// <summary>When the oldest waiting entry was appended, if any.</summary>
    DateTimeOffset? OldestEnqueuedAt { get; }

    /// <summary>Entries evicted so far, by class and cause; a durable outbox keeps counting across restarts.</summary>
    IReadOnlyDictionary<(EventClass Class, EvictionCause Cause), long> Evicted { get; }

    /// <summary>
    /// Up to <paramref name="maxEvents"/> entries and <paramref name="maxBytes"/> bytes (always at least
    /// one entry if any waits): the priority lane's first, each lane in sequence order.
    /// </summary>
    IReadOnlyList<OutboxEntry> Peek(int maxEvents, long maxBytes = long.MaxValue);
}

/// <summary>
/// The child's outbox. Appending assigns the next sequence number of the event's lane (see
/// <see cref="Lanes"/>); entries leave
/// when the parent acks them, or, below the alert class, when their TTL or the byte budget
/// evicts them, which is counted. Alerts are never evicted: a full outbox holds their producer back.
/// </summary>
public interface IOutbox : IOutboxStatus
{
    /// <summary>
    /// Appends an event built for the next sequence number; returns that number once the event is
    /// durable, or null when a non-alert event found no room (it is counted as evicted). An alert
    /// waits for room instead.
    /// </summary>
    /// <exception cref="EventTooLargeException">The event is larger than <see cref="OutboxOptions.MaxEventBytes"/>; nothing was appended.</exception>
    ValueTask<long?> AppendAsync(EventClass eventClass, Func<long, P.UpEvent> build, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry of <paramref name="lane"/> up to and including <paramref name="sequence"/>.</summary>
    ValueTask AckAsync(int lane, long sequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes <paramref name="entry"/> out of its lane for good, so the events behind it can go: the
    /// parent refused it and always will. The store keeps it aside; it counts as evicted with cause
    /// <see cref="EvictionCause.Parked"/>.
    /// </summary>
    ValueTask ParkAsync(OutboxEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Completes when the outbox holds at least one entry.</summary>
    Task WaitForEntriesAsync(CancellationToken cancellationToken);
}

/// <summary>Appending domain events of one origin.</summary>
public static class OutboxExtensions
{
    /// <summary>Appends <paramref name="events"/> of <paramref name="origin"/> in order, each committed before the next.</summary>
    public static async Task AppendEventsAsync(this IOutbox outbox, string origin, IEnumerable<UpEvent> events)
    {
        foreach (var e in events) await outbox.AppendAsync(e.Class, seq => LinkMapping.ToWire(seq, e, origin));
    }
}

/// <summary>
/// An upward event larger than the outbox takes (<see cref="OutboxOptions.MaxEventBytes"/>); it was
/// refused where it was produced. Serializable, so a caller across a grain call sees it as it is.
/// </summary>
[GenerateSerializer]
public sealed class EventTooLargeException : Exception
{
    /// <summary>Refuses <paramref name="message"/>, of <paramref name="size"/> bytes, over <paramref name="limit"/>.</summary>
    public EventTooLargeException(P.UpEvent message, int size, int limit) : base(
        $"upward {message.PayloadCase} event #{message.Sequence} is {size:N0} bytes on the wire; an outbox takes at most {limit:N0} bytes per event, so it was refused (nothing was queued)")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>Its size on the wire.</summary>
    [Id(0)] public int Size { get; private set; }

    /// <summary>The limit it broke.</summary>
    [Id(1)] public int Limit { get; private set; }
}
