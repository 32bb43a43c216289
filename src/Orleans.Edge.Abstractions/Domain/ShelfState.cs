namespace Orleans.Edge.Domain;

/// <summary>How a shelf is set up: its planogram entry and its sensors.</summary>
[GenerateSerializer, Immutable]
public sealed record ShelfSetup(
    [property: Id(0)] ShelfId ShelfId,
    [property: Id(1)] PlanogramEntry Planogram,
    [property: Id(2)] IReadOnlyList<SensorSpec> Sensors);

/// <summary>What a store app sees of a shelf.</summary>
/// <param name="ShelfId">The shelf.</param>
/// <param name="Planogram">Its planogram entry (tare recalibrated by manual counts).</param>
/// <param name="Units">Estimated units (fused weight and camera), or null before any reading.</param>
/// <param name="WeightUnits">Units from weight alone.</param>
/// <param name="CameraUnits">Units from camera occupancy alone, if a fresh camera reading exists.</param>
/// <param name="ThresholdUnits">Low-stock threshold in units under the applied policy.</param>
/// <param name="PolicyVersion">Version of the applied policy (0 = built-in default).</param>
/// <param name="OpenAlerts">Alerts on this shelf that are not resolved.</param>
/// <param name="LastReadingAt">Timestamp of the last accepted reading.</param>
[GenerateSerializer, Immutable]
public sealed record ShelfState(
    [property: Id(0)] ShelfId ShelfId,
    [property: Id(1)] PlanogramEntry Planogram,
    [property: Id(2)] double? Units,
    [property: Id(3)] double? WeightUnits,
    [property: Id(4)] double? CameraUnits,
    [property: Id(5)] double ThresholdUnits,
    [property: Id(6)] long PolicyVersion,
    [property: Id(7)] IReadOnlyList<Alert> OpenAlerts,
    [property: Id(8)] DateTimeOffset? LastReadingAt);

/// <summary>One shelf's figures over one summary window.</summary>
[GenerateSerializer, Immutable]
public sealed record ShelfSummary(
    [property: Id(0)] StoreId StoreId,
    [property: Id(1)] ShelfId ShelfId,
    [property: Id(2)] string Sku,
    [property: Id(3)] DateTimeOffset WindowStart,
    [property: Id(4)] DateTimeOffset WindowEnd,
    [property: Id(5)] double UnitsMin,
    [property: Id(6)] double UnitsMax,
    [property: Id(7)] double UnitsLast,
    [property: Id(8)] int Readings,
    [property: Id(9)] double SalesEstimate,
    [property: Id(10)] double RestockEstimate,
    [property: Id(11)] double Availability);
