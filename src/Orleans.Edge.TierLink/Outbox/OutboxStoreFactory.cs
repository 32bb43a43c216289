using Microsoft.Extensions.Options;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>Makes the store an outbox lives in; replaceable, so tests can wrap the real store in one that fails on command.</summary>
public interface IOutboxStoreFactory
{
    /// <summary>A new store for this cluster's outbox; it does no I/O until it is loaded.</summary>
    IOutboxStore Create();
}

/// <summary>The outbox store the options name: Redis (production), SQLite (embedded with a data directory) or memory.</summary>
public sealed class OutboxStoreFactory(OutboxOptions options, RedisConnections redis, IOptions<TierLinkClientOptions> link) : IOutboxStoreFactory
{
    /// <inheritdoc />
    public IOutboxStore Create() => (options.RedisConfiguration, options.SqlitePath) switch
    {
        ({ } configuration, null) => new RedisOutboxStore(
            async () => (await redis.GetAsync(configuration)).GetDatabase(), $"edge:outbox:{link.Value.ChildId}"),
        (null, { } path) => new SqliteOutboxStore(path, options.SyncEveryAppend),
        _ => new MemoryOutboxStore(),
    };
}
