using Microsoft.Extensions.Options;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Child;

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
