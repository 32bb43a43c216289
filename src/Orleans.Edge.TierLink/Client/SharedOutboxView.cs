using Orleans.Edge.Events;
using Orleans.Edge.TierLink.Outbox;
using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Client;

/// <summary>
/// The <see cref="IOutbox"/> a silo's metrics and status read where the silos share the uplink:
/// the real outbox while this silo owns it, an empty one otherwise. Appends go through the
/// <see cref="Grains.UplinkOwnerGrain"/>, never through this view.
/// </summary>
internal sealed class SharedOutboxView(UplinkOwnership ownership) : IOutbox
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

    public ValueTask<long?> AppendAsync(EventClass eventClass, Func<long, P.UpEvent> build, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("where the silos share the uplink, events are appended through the uplink owner grain");

    public IReadOnlyList<OutboxEntry> Peek(int maxEvents, long maxBytes = long.MaxValue) => Owned?.Peek(maxEvents, maxBytes) ?? [];

    public ValueTask ParkAsync(OutboxEntry entry, CancellationToken cancellationToken = default) =>
        Owned?.ParkAsync(entry, cancellationToken) ?? ValueTask.CompletedTask;

    public ValueTask AckAsync(int lane, long sequence, CancellationToken cancellationToken = default) =>
        Owned?.AckAsync(lane, sequence, cancellationToken) ?? ValueTask.CompletedTask;

    public Task WaitForEntriesAsync(CancellationToken cancellationToken) =>
        Owned?.WaitForEntriesAsync(cancellationToken) ?? Task.Delay(Timeout.Infinite, cancellationToken);
}
