namespace Orleans.Edge.TierLink.Outbox;

/// <summary>Makes the store an outbox lives in; replaceable, so tests can wrap the real store in one that fails on command.</summary>
public interface IOutboxStoreFactory
{
    /// <summary>A new store for this cluster's outbox; it does no I/O until it is loaded.</summary>
    IOutboxStore Create();
}
