using P = Orleans.Edge.TierLink.Protocol;

namespace Orleans.Edge.TierLink.Client;

/// <summary>An upward event waiting for its parent's ack.</summary>
public sealed record OutboxEntry(long Sequence, P.UpEvent Message, DateTimeOffset EnqueuedAt);

/// <summary>
/// The child's outbox. Appending assigns the next sequence number of the origin; entries leave
/// only when the parent acks them.
/// </summary>
public interface IOutbox
{
    /// <summary>Incarnation of this outbox; sequence numbers restart only with a new epoch.</summary>
    long Epoch { get; }

    /// <summary>Entries waiting.</summary>
    int Count { get; }

    /// <summary>Bytes waiting, in wire encoding.</summary>
    long Bytes { get; }

    /// <summary>Appends an event built for the next sequence number; returns that number.</summary>
    ValueTask<long> AppendAsync(Func<long, P.UpEvent> build, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> entries in sequence order, oldest first.</summary>
    IReadOnlyList<OutboxEntry> Peek(int max);

    /// <summary>Removes every entry up to and including <paramref name="sequence"/>.</summary>
    void Ack(long sequence);

    /// <summary>Completes when the outbox holds at least one entry.</summary>
    Task WaitForEntriesAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Outbox in memory: survives link outages, not process restarts (a durable one replaces it
/// later). Its epoch is its creation time, so a restarted child starts a new sequence space
/// that the parent does not mistake for duplicates.
/// </summary>
public sealed class InMemoryOutbox(TimeProvider time) : IOutbox
{
    private readonly Lock _lock = new();
    private readonly LinkedList<OutboxEntry> _entries = new();
    private TaskCompletionSource _nonEmpty = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _next = 1;
    private long _bytes;

    /// <inheritdoc />
    public long Epoch { get; } = time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public int Count { get { lock (_lock) return _entries.Count; } }

    /// <inheritdoc />
    public long Bytes { get { lock (_lock) return _bytes; } }

    /// <inheritdoc />
    public ValueTask<long> AppendAsync(Func<long, P.UpEvent> build, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource? wake = null;
        long sequence;
        lock (_lock)
        {
            sequence = _next++;
            var message = build(sequence);
            _entries.AddLast(new OutboxEntry(sequence, message, time.GetUtcNow()));
            _bytes += message.CalculateSize();
            if (_entries.Count == 1) wake = _nonEmpty;
        }
        wake?.TrySetResult();
        return ValueTask.FromResult(sequence);
    }

    /// <inheritdoc />
    public IReadOnlyList<OutboxEntry> Peek(int max)
    {
        lock (_lock) return [.. _entries.Take(max)];
    }

    /// <inheritdoc />
    public void Ack(long sequence)
    {
        lock (_lock)
        {
            while (_entries.First is { } first && first.Value.Sequence <= sequence)
            {
                _bytes -= first.Value.Message.CalculateSize();
                _entries.RemoveFirst();
            }
            if (_entries.Count == 0 && _nonEmpty.Task.IsCompleted)
                _nonEmpty = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <inheritdoc />
    public Task WaitForEntriesAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            return _entries.Count > 0 ? Task.CompletedTask : _nonEmpty.Task.WaitAsync(cancellationToken);
    }
}
