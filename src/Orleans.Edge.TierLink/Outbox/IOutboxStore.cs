namespace Orleans.Edge.TierLink.Outbox;

/// <summary>What an outbox keeps on disk (or not): its epoch, its next sequence number and its entries.</summary>
public interface IOutboxStore : IDisposable
{
    /// <summary>True when writes survive the process.</summary>
    bool IsDurable { get; }

    /// <summary>Reads what was kept; a new store takes <paramref name="newEpoch"/> as its epoch.</summary>
    (long Epoch, long NextSequence, IReadOnlyList<OutboxEntry> Entries) Load(long newEpoch);

    /// <summary>In one transaction: adds <paramref name="appended"/> (if any), removes <paramref name="removed"/>, records the next sequence.</summary>
    void Write(OutboxEntry? appended, IReadOnlyList<OutboxEntry> removed, long nextSequence);

    /// <summary>Removes every entry up to and including <paramref name="sequence"/>.</summary>
    void RemoveThrough(long sequence);
}

/// <summary>Keeps nothing: an outbox that survives link outages but not restarts.</summary>
public sealed class MemoryOutboxStore : IOutboxStore
{
    /// <inheritdoc />
    public bool IsDurable => false;

    /// <inheritdoc />
    public (long Epoch, long NextSequence, IReadOnlyList<OutboxEntry> Entries) Load(long newEpoch) => (newEpoch, 1, []);

    /// <inheritdoc />
    public void Write(OutboxEntry? appended, IReadOnlyList<OutboxEntry> removed, long nextSequence)
    {
    }

    /// <inheritdoc />
    public void RemoveThrough(long sequence)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
