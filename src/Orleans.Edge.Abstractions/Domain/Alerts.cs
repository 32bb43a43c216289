namespace Orleans.Edge.Domain;

/// <summary>What an alert is about.</summary>
public enum AlertType
{
    /// <summary>Units on the shelf at or below the policy's threshold.</summary>
    LowStock = 0,
    /// <summary>No units left on the shelf.</summary>
    OutOfStock = 1,
    /// <summary>A sensor stopped reporting or reports a stuck value.</summary>
    SensorFault = 2,
    /// <summary>Camera and load cell disagree about how full the shelf is.</summary>
    Mismatch = 3,
}

/// <summary>Lifecycle of an alert: Raised → Acknowledged → Resolved (acknowledging is optional).</summary>
public enum AlertState
{
    /// <summary>Raised and not yet seen by staff.</summary>
    Raised = 0,
    /// <summary>Staff have seen it and are on it.</summary>
    Acknowledged = 1,
    /// <summary>The condition cleared or staff resolved it.</summary>
    Resolved = 2,
}

/// <summary>An alert and its current state. Every state change is a new revision of the same alert id.</summary>
/// <param name="AlertId">Unique within the store: shelf, type and a per-shelf counter.</param>
/// <param name="StoreId">Store that raised it.</param>
/// <param name="ShelfId">Shelf it is about.</param>
/// <param name="SensorId">Sensor it is about, for sensor faults.</param>
/// <param name="Type">What it is about.</param>
/// <param name="State">Where it is in its lifecycle.</param>
/// <param name="Revision">1 when raised, +1 per state change.</param>
/// <param name="Sku">SKU on the shelf.</param>
/// <param name="Units">Estimated units on the shelf when this revision was made.</param>
/// <param name="Threshold">Threshold in units that applied (low stock), else 0.</param>
/// <param name="Detail">What the sensor or camera reported, for faults and mismatches; else null.</param>
/// <param name="TriggeredAt">Timestamp of the reading that crossed the threshold.</param>
/// <param name="RaisedAt">Store clock when the alert was raised.</param>
/// <param name="ChangedAt">Store clock of this revision.</param>
/// <param name="ChangedBy">Who made this revision: "system" or a staff member.</param>
/// <param name="PolicyVersion">Version of the policy that applied when it was raised.</param>
[GenerateSerializer, Immutable]
public sealed record Alert(
    [property: Id(0)] string AlertId,
    [property: Id(1)] StoreId StoreId,
    [property: Id(2)] ShelfId ShelfId,
    [property: Id(3)] SensorId? SensorId,
    [property: Id(4)] AlertType Type,
    [property: Id(5)] AlertState State,
    [property: Id(6)] int Revision,
    [property: Id(7)] string Sku,
    [property: Id(8)] double Units,
    [property: Id(9)] double Threshold,
    [property: Id(10)] string? Detail,
    [property: Id(11)] DateTimeOffset TriggeredAt,
    [property: Id(12)] DateTimeOffset RaisedAt,
    [property: Id(13)] DateTimeOffset ChangedAt,
    [property: Id(14)] string ChangedBy,
    [property: Id(15)] long PolicyVersion)
{
    /// <summary>True while the alert is Raised or Acknowledged.</summary>
    public bool IsOpen => State != AlertState.Resolved;

    /// <summary>
    /// A sentence for people, built from the alert's fields, so every tier renders the same text
    /// without the text itself crossing a link.
    /// </summary>
    public string Message
    {
        get
        {
            var what = Type switch
            {
                AlertType.LowStock => $"shelf {ShelfId} ({Sku}) is low: {Math.Round(Units)} units, threshold {Threshold}",
                AlertType.OutOfStock => $"shelf {ShelfId} ({Sku}) is empty",
                AlertType.SensorFault => $"sensor {SensorId} on shelf {ShelfId} ({Sku}) is {Detail}",
                _ => $"shelf {ShelfId} ({Sku}): {Detail}",
            };
            return State switch
            {
                AlertState.Resolved => $"{what} — resolved by {ChangedBy}",
                AlertState.Acknowledged => $"{what} — acknowledged by {ChangedBy}",
                _ => what,
            };
        }
    }

    /// <summary>The alert id of a shelf's <paramref name="number"/>-th alert of <paramref name="type"/>.</summary>
    public static string IdOf(ShelfId shelf, AlertType type, int number) => $"{shelf}/{type}/{number}";
}

/// <summary>Outcome of a staff command on an alert.</summary>
public enum AlertCommandStatus
{
    /// <summary>Done.</summary>
    Ok = 0,
    /// <summary>No alert with that id on this shelf.</summary>
    UnknownAlert,
    /// <summary>The alert is already resolved; nothing changed.</summary>
    AlreadyResolved,
}

/// <summary>Result of acknowledging or resolving an alert.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertCommandResult(
    [property: Id(0)] AlertCommandStatus Status,
    [property: Id(1)] Alert? Alert,
    [property: Id(2)] string? Message);
