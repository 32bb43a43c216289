using Microsoft.Extensions.Options;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Child;

/// <summary>The outbox store the options name: Redis (production), SQLite (embedded with a data directory) or memory.</summary>
public sealed class OutboxStoreFactory(IOptions<OutboxOptions> outboxOptions, RedisConnections redis, EdgeIdentity identity) : IOutboxStoreFactory
{
    /// <inheritdoc />
    public IOutboxStore Create() => Create(outboxOptions.Value);

    private IOutboxStore Create(OutboxOptions options) => (options.RedisConfiguration, options.SqlitePath) switch
    {
        ({ } configuration, null) => new RedisOutboxStore(
            async () => (await redis.GetAsync(configuration)).GetDatabase(), $"edge:outbox:{identity.Origin}"),
        (null, { } path) => new SqliteOutboxStore(path, options.SyncEveryAppend),
        _ => new MemoryOutboxStore(),
    };
}
