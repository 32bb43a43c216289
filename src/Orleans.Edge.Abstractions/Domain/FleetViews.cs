namespace Orleans.Edge.Domain;

/// <summary>
/// The cloud's view of one store. <c>RejectedPolicyVersion</c> and <c>PolicyRejection</c> name the
/// newest policy document the store refused as malformed, and why (0 and null when none).
/// <c>AppliedModelVersion</c> is the model the store serves, next to its policy version;
/// <c>RejectedModelVersion</c> and <c>ModelRejection</c> the newest model it refused and why;
/// <c>Hardware</c> what its machine offers for inference (null when not reported);
/// <c>AppliedModelVariant</c> which variant of the model it installed, and <c>ModelVariantFallback</c>
/// why it is not the one its hardware names (null when it is); <c>DenyListRejection</c> the latest fleet deny-list
/// the store refused and why (null when none).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FleetStoreView(
    [property: Id(0)] string StoreId,
    [property: Id(1)] string RegionId,
    [property: Id(2)] DateTimeOffset? LastSeen,
    [property: Id(3)] int OpenAlerts,
    [property: Id(4)] double? Availability,
    [property: Id(5)] long AppliedPolicyVersion,
    [property: Id(6)] long AlertsRaised = 0,
    [property: Id(7)] long RejectedPolicyVersion = 0,
    [property: Id(8)] string? PolicyRejection = null,
    [property: Id(9)] string? AppliedModelVersion = null,
    [property: Id(10)] string? RejectedModelVersion = null,
    [property: Id(11)] string? ModelRejection = null,
    [property: Id(12)] Vision.HardwareCapabilities? Hardware = null,
    [property: Id(13)] string? AppliedModelVariant = null,
    [property: Id(14)] string? ModelVariantFallback = null,
    [property: Id(15)] string? DenyListRejection = null);

/// <summary>The cloud's view of one region.</summary>
[GenerateSerializer, Immutable]
public sealed record FleetRegionView(
    [property: Id(0)] string RegionId,
    [property: Id(1)] int Stores,
    [property: Id(2)] int OpenAlerts,
    [property: Id(3)] double? Availability,
    [property: Id(4)] DateTimeOffset? LastSummaryAt);

/// <summary>The cloud's view of the fleet.</summary>
[GenerateSerializer, Immutable]
public sealed record FleetView(
    [property: Id(0)] IReadOnlyList<FleetStoreView> Stores,
    [property: Id(1)] IReadOnlyList<Alert> OpenAlerts,
    [property: Id(2)] long AlertRevisionsReceived,
    [property: Id(3)] long DuplicateAlertRevisions,
    [property: Id(4)] IReadOnlyList<FleetRegionView> Regions);

/// <summary>A region's view of one of its stores.</summary>
[GenerateSerializer, Immutable]
public sealed record RegionStoreView(
    [property: Id(0)] string StoreId,
    [property: Id(1)] DateTimeOffset? LastSeen,
    [property: Id(2)] IReadOnlyList<Alert> OpenAlerts,
    [property: Id(3)] double? Availability,
    [property: Id(4)] long AppliedPolicyVersion,
    [property: Id(5)] long EventsReceived);

/// <summary>
/// Alert arrivals at the cloud: unique alerts (raised revisions), whose end-to-end latency is the
/// cloud's <c>orleans_edge_alert_cloud_latency_ms</c> histogram;
/// <c>DuplicateRevisions</c>, revisions that came again from the store itself; <c>ReplayedForwards</c>,
/// forwards a region repeated after a crash, dropped by the store's (epoch, sequence) watermark;
/// <c>OutOfOrderForwards</c>, alerts that arrived behind a later one of their store (0 unless order broke).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AlertArrivalStats(
    [property: Id(0)] long UniqueAlertsRaised,
    [property: Id(1)] long UniqueRevisions,
    [property: Id(2)] long DuplicateRevisions,
    // Id 3 was the latency sample, now the orleans_edge_alert_cloud_latency_ms histogram: not to be reused.
    [property: Id(4)] long ReplayedForwards = 0,
    [property: Id(5)] long OutOfOrderForwards = 0);

/// <summary>
/// Counters a store keeps about its alerts; how fast they were raised is the store's
/// <c>orleans_edge_alert_local_latency_ms</c> histogram.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StoreAlertStats(
    // Id 1 was the latency sample, now that histogram: not to be reused.
    [property: Id(0)] long AlertsRaised);
