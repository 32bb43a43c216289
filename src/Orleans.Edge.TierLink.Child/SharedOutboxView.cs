using Orleans.Edge.Events;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// What a silo's metrics and status read where the silos share the uplink: the real outbox while
/// this silo owns it, an empty one otherwise. Events are appended through the
/// <see cref="UplinkOwnerGrain"/>; this view changes nothing.
/// </summary>
internal sealed class SharedOutboxView(UplinkOwnership ownership) : IOutboxStatus
{
    private static readonly Dictionary<(EventClass Class, EvictionCause Cause), long> None = [];

    private IOutbox? Owned => ownership.Outbox;

    public long Epoch => Owned?.Epoch ?? 0;
    public int Count => Owned?.Count ?? 0;
    public long Bytes => Owned?.Bytes ?? 0;
    public long Appended => Owned?.Appended ?? 0;
    public IReadOnlyList<long> LastSequences => Owned?.LastSequences ?? [0, 0];
    public long EventsNumbered => Owned?.EventsNumbered ?? 0;
    public int MaxCount => Owned?.MaxCount ?? 0;
    public DateTimeOffset? OldestEnqueuedAt => Owned?.OldestEnqueuedAt;
    public IReadOnlyDictionary<(EventClass Class, EvictionCause Cause), long> Evicted => Owned?.Evicted ?? None;
    public IReadOnlyList<OutboxEntry> Peek(int maxEvents, long maxBytes = long.MaxValue) => Owned?.Peek(maxEvents, maxBytes) ?? [];
}
