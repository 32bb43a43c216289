using Orleans.Edge.Domain;

namespace Orleans.Edge.Events;

/// <summary>Delivery class of an upward event; a full outbox evicts the lowest class first.</summary>
public enum EventClass
{
    /// <summary>Bulk data, evicted first.</summary>
    Bulk = 0,
    /// <summary>Windowed summaries.</summary>
    Summary = 1,
    /// <summary>Reported state (applied versions, health).</summary>
    ReportedState = 2,
    /// <summary>Alerts; never evicted silently.</summary>
    Alert = 3,
}

/// <summary>
/// The sequence spaces ("lanes") of an origin. Alerts and reported state travel in the priority
/// lane, summaries and bulk in the bulk lane; each lane has its own sequence numbers and watermark,
/// so after an outage alerts overtake a backlog of summaries while order holds within each lane.
/// </summary>
public static class Lanes
{
    /// <summary>Alerts and reported state.</summary>
    public const int Priority = 0;

    /// <summary>Summaries and bulk data.</summary>
    public const int Bulk = 1;

    /// <summary>How many lanes there are.</summary>
    public const int Count = 2;

    /// <summary>The lane events of a class travel in.</summary>
    public static int LaneOf(this EventClass eventClass) => eventClass >= EventClass.ReportedState ? Priority : Bulk;
}

/// <summary>Something a tier sends toward its parent over the uplink stream and tier link.</summary>
[GenerateSerializer, Immutable]
public abstract record UpEvent
{
    /// <summary>Delivery class.</summary>
    public abstract EventClass Class { get; }
}

/// <summary>An alert was raised or changed state.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertEvent([property: Id(0)] Alert Alert) : UpEvent
{
    /// <summary>
    /// Set when a region forwards the alert: its (epoch, sequence) on the store's link. The cloud
    /// keeps a watermark of it per store, to drop a forward repeated after a region crash.
    /// </summary>
    [Id(1)] public AppliedMark? Source { get; init; }

    /// <inheritdoc />
    public override EventClass Class => EventClass.Alert;
}

/// <summary>A shelf's summary window closed.</summary>
[GenerateSerializer, Immutable]
public sealed record ShelfSummaryEvent([property: Id(0)] ShelfSummary Summary) : UpEvent
{
    /// <inheritdoc />
    public override EventClass Class => EventClass.Summary;
}

/// <summary>A store reports what it has applied.</summary>
/// <param name="StoreId">The store.</param>
/// <param name="RegionId">Its region.</param>
/// <param name="AppliedPolicyVersion">Highest policy version the store has applied.</param>
/// <param name="Shelves">Shelves provisioned.</param>
/// <param name="At">Store clock.</param>
/// <param name="RejectedPolicyVersion">Highest policy version the store rejected as malformed (0: none).</param>
/// <param name="PolicyRejection">Why it rejected that version.</param>
/// <param name="AppliedModelVersion">The model version the store serves (null: none yet).</param>
/// <param name="RejectedModelVersion">The newest model version the store refused (null: none).</param>
/// <param name="ModelRejection">Why it refused that model.</param>
/// <param name="Hardware">What the store's machine offers for inference, when the store detects it.</param>
/// <param name="AppliedModelVariant">The variant of the applied model (fp32, int8, ...).</param>
/// <param name="ModelVariantFallback">Why the store serves another variant than its hardware names (null: it does not).</param>
/// <param name="DenyListRejection">The latest deny-list the store refused and why (<c>deny-list v&lt;n&gt;: &lt;reason tag&gt;: &lt;problem&gt;</c>; null: none).</param>
[GenerateSerializer, Immutable]
public sealed record StoreStateEvent(
    [property: Id(0)] StoreId StoreId,
    [property: Id(1)] RegionId RegionId,
    [property: Id(2)] long AppliedPolicyVersion,
    [property: Id(3)] int Shelves,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] long RejectedPolicyVersion = 0,
    [property: Id(6)] string? PolicyRejection = null,
    [property: Id(7)] string? AppliedModelVersion = null,
    [property: Id(8)] string? RejectedModelVersion = null,
    [property: Id(9)] string? ModelRejection = null,
    [property: Id(10)] Vision.HardwareCapabilities? Hardware = null,
    [property: Id(11)] string? AppliedModelVariant = null,
    [property: Id(12)] string? ModelVariantFallback = null,
    [property: Id(13)] string? DenyListRejection = null) : UpEvent
{
    /// <inheritdoc />
    public override EventClass Class => EventClass.ReportedState;
}

/// <summary>A region's view of one of its stores at the end of a window.</summary>
[GenerateSerializer, Immutable]
public sealed record StoreHealth(
    [property: Id(0)] StoreId StoreId,
    [property: Id(1)] DateTimeOffset? LastSeen,
    [property: Id(2)] int OpenAlerts,
    [property: Id(3)] double? Availability,
    [property: Id(4)] long AppliedPolicyVersion);

/// <summary>A region's summary window closed.</summary>
[GenerateSerializer, Immutable]
public sealed record RegionSummaryEvent(
    [property: Id(0)] RegionId RegionId,
    [property: Id(1)] DateTimeOffset WindowStart,
    [property: Id(2)] DateTimeOffset WindowEnd,
    [property: Id(3)] IReadOnlyList<StoreHealth> Stores) : UpEvent
{
    /// <inheritdoc />
    public override EventClass Class => EventClass.Summary;
}

/// <summary>An upward event as a parent received it over a tier link, after deduplication.</summary>
/// <param name="Origin">Cluster that produced it (store or region id).</param>
/// <param name="Sequence">Its sequence number in its origin's lane (see <see cref="Lanes"/>).</param>
/// <param name="Event">The event.</param>
/// <param name="ReceivedAt">Parent clock when its inbound log accepted it.</param>
/// <param name="Epoch">Outbox incarnation of the origin the sequence belongs to.</param>
[GenerateSerializer, Immutable]
public sealed record InboundEvent(
    [property: Id(0)] string Origin,
    [property: Id(1)] long Sequence,
    [property: Id(2)] UpEvent Event,
    [property: Id(3)] DateTimeOffset ReceivedAt,
    [property: Id(4)] long Epoch = 0)
{
    /// <summary>The lane of its origin it was numbered in.</summary>
    public int Lane => Event.Class.LaneOf();

    /// <summary>True when this event comes after <paramref name="applied"/> (a mark of the same lane) in its origin's order.</summary>
    public bool IsAfter(AppliedMark? applied) =>
        applied is null || Epoch > applied.Epoch || (Epoch == applied.Epoch && Sequence > applied.Sequence);
}

/// <summary>How far a consumer applied one lane of one origin's events: (epoch, sequence).</summary>
[GenerateSerializer, Immutable]
public sealed record AppliedMark([property: Id(0)] long Epoch, [property: Id(1)] long Sequence, [property: Id(2)] int Lane = Lanes.Priority);

/// <summary>Policy documents that reached a store over its downlink, and those it could not read.</summary>
[GenerateSerializer, Immutable]
public sealed record ConfigUpdate([property: Id(0)] IReadOnlyList<Policies.PolicyDocument> Documents)
{
    /// <summary>Documents the downlink received but rejected as malformed; recorded so the store moves past them.</summary>
    [Id(1)] public IReadOnlyList<Policies.PolicyRejection> Rejected { get; init; } = [];
}
