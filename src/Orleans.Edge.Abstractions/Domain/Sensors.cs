namespace Orleans.Edge.Domain;

/// <summary>Kinds of sensor a shelf can have.</summary>
public enum SensorKind
{
    /// <summary>A load cell under the shelf; readings are grams.</summary>
    LoadCell = 0,

    /// <summary>A camera over the shelf; readings are the occupied fraction (0..1) of the shelf's facings.</summary>
    Camera = 1,
}

/// <summary>A sensor as installed: which shelf it watches and the largest value it can report.</summary>
/// <param name="SensorId">The sensor.</param>
/// <param name="ShelfId">The shelf it is mounted on.</param>
/// <param name="Kind">Load cell or camera.</param>
/// <param name="MaxValue">Upper end of the sensor's range: grams for a load cell, 1 for a camera.</param>
[GenerateSerializer, Immutable]
public sealed record SensorSpec(
    [property: Id(0)] SensorId SensorId,
    [property: Id(1)] ShelfId ShelfId,
    [property: Id(2)] SensorKind Kind,
    [property: Id(3)] double MaxValue);

/// <summary>One raw reading from a sensor.</summary>
/// <param name="SensorId">The sensor that produced it.</param>
/// <param name="Value">Grams for a load cell, occupancy 0..1 for a camera.</param>
/// <param name="Timestamp">When the sensor took it (store clock).</param>
[GenerateSerializer, Immutable]
public sealed record SensorReading(
    [property: Id(0)] SensorId SensorId,
    [property: Id(1)] double Value,
    [property: Id(2)] DateTimeOffset Timestamp);

/// <summary>Why a reading was rejected.</summary>
public enum ReadingRejection
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>The value is NaN or infinite.</summary>
    NotFinite,
    /// <summary>The value is below zero.</summary>
    Negative,
    /// <summary>The value is beyond the sensor's range.</summary>
    OutOfRange,
    /// <summary>No sensor with this id is installed in the store.</summary>
    UnknownSensor,
    /// <summary>The timestamp is too far from the store clock.</summary>
    ClockSkew,
    /// <summary>The sensor already applied a newer reading; an older one arriving late changes nothing.</summary>
    Superseded,
}

/// <summary>What became of a submitted reading.</summary>
[GenerateSerializer, Immutable]
public sealed record IngestResult(
    [property: Id(0)] ReadingRejection Rejection,
    [property: Id(1)] string? Message)
{
    /// <summary>The accepted outcome.</summary>
    public static readonly IngestResult Accepted = new(ReadingRejection.None, null);

    /// <summary>True when the reading was stored and processed.</summary>
    public bool IsAccepted => Rejection == ReadingRejection.None;
}

/// <summary>Health of one sensor as its grain sees it.</summary>
[GenerateSerializer, Immutable]
public sealed record SensorStatus(
    [property: Id(0)] SensorSpec Spec,
    [property: Id(1)] long Accepted,
    [property: Id(2)] long Rejected,
    [property: Id(3)] double? LastValue,
    [property: Id(4)] DateTimeOffset? LastReadingAt,
    [property: Id(5)] string? Fault);
