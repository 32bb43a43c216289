using System.Text.Json.Serialization;

namespace Orleans.Edge.RetailDemo;

/// <summary>One cluster of the run.</summary>
public sealed record ClusterEntry(
    [property: JsonPropertyName("tier")] string Tier,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("cluster_id")] string ClusterId);

/// <summary>The mid-run policy change and how fast it reached every targeted store.</summary>
public sealed record PolicyChangeEntry(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("targeted_stores")] int TargetedStores,
    [property: JsonPropertyName("applied_stores")] int AppliedStores,
    [property: JsonPropertyName("seconds_to_apply_all")] double? SecondsToApplyAll);

/// <summary>The demo's report (snake_case JSON).</summary>
public sealed record DemoReport
{
    [JsonPropertyName("clusters")] public required IReadOnlyList<ClusterEntry> Clusters { get; init; }
    [JsonPropertyName("duration_seconds")] public required double DurationSeconds { get; init; }
    [JsonPropertyName("shelves")] public required int Shelves { get; init; }
    [JsonPropertyName("readings_ingested")] public required long ReadingsIngested { get; init; }
    [JsonPropertyName("readings_rejected")] public required long ReadingsRejected { get; init; }
    [JsonPropertyName("readings_per_second")] public required double ReadingsPerSecond { get; init; }
    [JsonPropertyName("alerts_raised")] public required long AlertsRaised { get; init; }
    [JsonPropertyName("alerts_received_at_cloud")] public required long AlertsReceivedAtCloud { get; init; }
    [JsonPropertyName("alert_revisions_received_at_cloud")] public required long AlertRevisionsReceivedAtCloud { get; init; }
    [JsonPropertyName("duplicates_suppressed")] public required long DuplicatesSuppressed { get; init; }
    [JsonPropertyName("restocks")] public required long Restocks { get; init; }
    [JsonPropertyName("alert_latency_ms")] public required Dictionary<string, double?> AlertLatencyMs { get; init; }
    [JsonPropertyName("local_alert_latency_ms")] public required Dictionary<string, double?> LocalAlertLatencyMs { get; init; }
    [JsonPropertyName("sensor_to_shelf_ms")] public required Dictionary<string, double?> SensorToShelfMs { get; init; }
    [JsonPropertyName("uplink_bytes")] public required long UplinkBytes { get; init; }
    [JsonPropertyName("uplink_payload_bytes")] public required long UplinkPayloadBytes { get; init; }
    [JsonPropertyName("uplink_batches")] public required long UplinkBatches { get; init; }
    [JsonPropertyName("uplink_events")] public required long UplinkEvents { get; init; }
    [JsonPropertyName("raw_reading_bytes")] public required long RawReadingBytes { get; init; }
    [JsonPropertyName("uplink_ratio")] public required double UplinkRatio { get; init; }
    [JsonPropertyName("policy_change")] public required PolicyChangeEntry? PolicyChange { get; init; }
    [JsonPropertyName("delivery")] public required Dictionary<string, object> Delivery { get; init; }
    [JsonPropertyName("process")] public required Dictionary<string, double> Process { get; init; }
    [JsonPropertyName("drained")] public required bool Drained { get; init; }
}
