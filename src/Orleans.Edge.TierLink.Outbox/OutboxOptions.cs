using Orleans.Edge.Events;

namespace Orleans.Edge.TierLink.Outbox;

/// <summary>Budget, time to live and storage of a child's outbox.</summary>
public sealed class OutboxOptions : IValidatedOptions
{
    /// <summary>Most bytes (wire encoding) the outbox holds.</summary>
    public long BudgetBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Largest event (wire encoding) an outbox takes; a larger one is refused where it is produced,
    /// so it can never block its lane. Well under the parent's message limit (16 MiB), with room
    /// for a region's forwarding envelope.
    /// </summary>
    public int MaxEventBytes { get; set; } = 256 * 1024;

    /// <summary>How long an entry of each class may wait; alerts wait as long as it takes.</summary>
    public Dictionary<EventClass, TimeSpan> TimeToLive { get; } = new()
    {
        [EventClass.Alert] = Timeout.InfiniteTimeSpan,
        [EventClass.ReportedState] = TimeSpan.FromDays(7),
        [EventClass.Summary] = TimeSpan.FromDays(2),
        [EventClass.Bulk] = TimeSpan.FromHours(12),
    };

    /// <summary>
    /// StackExchange.Redis configuration of the tier's Redis (production profile), e.g.
    /// <c>127.0.0.1:6379</c>; the outbox then lives there under <c>edge:outbox:{child id}</c>.
    /// </summary>
    public string? RedisConfiguration { get; set; }

    /// <summary>SQLite file of the embedded profile; null (and no Redis) keeps the outbox in memory (tests, throwaway runs).</summary>
    public string? SqlitePath { get; set; }

    /// <summary>
    /// fsync every append (SQLite synchronous=FULL): survives power loss, not only a killed
    /// process. Off, an append survives <c>kill -9</c> but the last ones may not survive a power cut.
    /// </summary>
    public bool SyncEveryAppend { get; set; } = true;

    /// <summary>Set by hosting when the silos of a cluster share this outbox (it must then live in Redis).</summary>
    public bool SharedBySilos { get; set; }

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (SharedBySilos && RedisConfiguration is null) yield return "silos can share an uplink only over a shared outbox store: set RedisConfiguration";
        if (RedisConfiguration is not null && SqlitePath is not null) yield return "give the outbox either a Redis configuration or a SQLite path, not both";
        if (BudgetBytes < 64 * 1024) yield return $"outbox budget must be at least 64 KiB, got {BudgetBytes} bytes";
        if (MaxEventBytes is < 1024 or > 4 * 1024 * 1024) yield return $"outbox MaxEventBytes must be 1 KiB–4 MiB, got {MaxEventBytes}";
        foreach (var (cls, ttl) in TimeToLive)
            if (ttl <= TimeSpan.Zero && ttl != Timeout.InfiniteTimeSpan) yield return $"outbox TTL of {cls} must be positive, got {ttl}";
    }
}
