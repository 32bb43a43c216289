namespace Orleans.Edge.Grains;

/// <summary>How a cluster's uplink to its parent is doing, as a store app or operator sees it.</summary>
/// <param name="Connected">True after the last exchange with the parent succeeded.</param>
/// <param name="LastError">Why the link is down, if it is.</param>
/// <param name="QueuedEvents">Events waiting in the outbox.</param>
/// <param name="QueuedBytes">Their size on the wire.</param>
/// <param name="OldestQueuedAt">When the oldest of them was queued.</param>
/// <param name="EventsSent">Events sent, counting resends.</param>
/// <param name="EventsAcked">Events the parent acknowledged.</param>
/// <param name="Retries">Failed exchanges that were retried.</param>
/// <param name="Evicted">Events evicted from the outbox, by "class/cause" (e.g. "Summary/Budget").</param>
/// <param name="PolicyVersionReceived">Highest policy version received over the downlink.</param>
/// <param name="EventsProduced">Events the outbox ever numbered (restarts included): each is acked, queued or evicted.</param>
/// <param name="SenderRunning">True while the uplink sender runs; it stops only with its host or the uplink's owner.</param>
/// <param name="SenderFault">The last failure of this side of the uplink (e.g. the outbox's storage), until an exchange succeeds again.</param>
/// <param name="Parked">Events the parent refused for good; parked in the outbox store (see <paramref name="LastParked"/>) so their lane went on.</param>
/// <param name="LastParked">What was parked last, and why.</param>
[GenerateSerializer, Immutable]
public sealed record UplinkStatus(
    [property: Id(0)] bool Connected,
    [property: Id(1)] string? LastError,
    [property: Id(2)] int QueuedEvents,
    [property: Id(3)] long QueuedBytes,
    [property: Id(4)] DateTimeOffset? OldestQueuedAt,
    [property: Id(5)] long EventsSent,
    [property: Id(6)] long EventsAcked,
    [property: Id(7)] long Retries,
    [property: Id(8)] IReadOnlyDictionary<string, long> Evicted,
    [property: Id(9)] long PolicyVersionReceived,
    [property: Id(10)] long EventsProduced = 0,
    [property: Id(11)] bool SenderRunning = false,
    [property: Id(12)] string? SenderFault = null,
    [property: Id(13)] long Parked = 0,
    [property: Id(14)] string? LastParked = null);

/// <summary>Reports the uplink of the silo it runs on; key: 0. Null where the cluster has no parent (the cloud).</summary>
[Alias("edge.uplink-status")]
public interface IUplinkStatusGrain : IGrainWithIntegerKey
{
    /// <summary>The uplink's state now.</summary>
    [Alias("get"), StoreAppApi] Task<UplinkStatus?> GetStatus();
}

/// <summary>
/// The single owner of a cluster's uplink when several silos share one outbox (production
/// profile); key: the child id. Its activation holds the outbox and runs the uplink and downlink
/// on the silo it lives on; Orleans keeps one activation, so there is one uplink per cluster, and
/// moves it to a surviving silo when that silo dies.
/// </summary>
[Alias("edge.uplink-owner")]
public interface IUplinkOwnerGrain : IGrainWithStringKey
{
    /// <summary>Activates the owner if needed; returns the silo it runs on.</summary>
    [Alias("claim")] Task<string> Claim();

    /// <summary>Appends events of this cluster to the outbox; returns once they are committed.</summary>
    [Alias("append")] Task Append(IReadOnlyList<Events.UpEvent> events);

    /// <summary>The uplink as its owner sees it.</summary>
    [Alias("status"), Orleans.Concurrency.AlwaysInterleave] Task<UplinkStatus?> GetStatus();
}
