using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Sensors;

/// <summary>What a sensor grain persists: its installation.</summary>
[GenerateSerializer]
public sealed class SensorData
{
    /// <summary>The sensor as installed; null until configured.</summary>
    [Id(0)] public SensorSpec? Spec { get; set; }

    /// <summary>When the sensor was last configured (store clock); null in state saved before this was kept.</summary>
    [Id(1)] public DateTimeOffset? ProvisionedAt { get; set; }
}

/// <summary>Judges one reading against the sensor's spec and the store clock.</summary>
public static class ReadingValidator
{
    /// <summary>The rejection for <paramref name="reading"/>, or <see cref="IngestResult.Accepted"/>.</summary>
    public static IngestResult Validate(SensorSpec? spec, SensorReading reading, DateTimeOffset now, TimeSpan skewTolerance)
    {
        if (spec is null)
            return new(ReadingRejection.UnknownSensor, $"sensor '{reading.SensorId}' is not installed in this store");
        var v = reading.Value;
        var unit = spec.Kind == SensorKind.Camera ? "" : " g";
        if (!double.IsFinite(v))
            return new(ReadingRejection.NotFinite, $"sensor '{spec.SensorId}' sent {v}; readings must be finite numbers");
        if (v < 0)
            return new(ReadingRejection.Negative, $"sensor '{spec.SensorId}' sent {v}{unit}; readings cannot be negative");
        if (v > spec.MaxValue)
            return new(ReadingRejection.OutOfRange, $"sensor '{spec.SensorId}' sent {v}{unit}, beyond its range of {spec.MaxValue}{unit}");
        var skew = reading.Timestamp - now;
        if (skew.Duration() > skewTolerance)
            return new(ReadingRejection.ClockSkew,
                $"reading from sensor '{spec.SensorId}' is stamped {reading.Timestamp:O}, {Math.Abs(skew.TotalSeconds):F0} s {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the store clock (tolerance {skewTolerance.TotalSeconds:F0} s)");
        return IngestResult.Accepted;
    }
}
