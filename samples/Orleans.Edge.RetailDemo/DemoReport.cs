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

/// <summary>
/// Camera frames judged by the stores' shelf models. <c>frame_bytes_uplinked</c> is measured on every
/// uplink (store → region and region → cloud): the protobuf bytes of events large enough to hold a
/// frame (16 KiB or more; a frame is 24 KiB), with the largest event and the bytes per payload kind.
/// </summary>
public sealed record InferenceEntry(
    [property: JsonPropertyName("frames")] long Frames,
    [property: JsonPropertyName("frames_per_second")] double FramesPerSecond,
    [property: JsonPropertyName("latency_ms")] Dictionary<string, double?> LatencyMs,
    [property: JsonPropertyName("model_version")] string? ModelVersion,
    [property: JsonPropertyName("slot_accuracy_vs_truth")] double? SlotAccuracyVsTruth,
    [property: JsonPropertyName("frame_bytes_uplinked")] long FrameBytesUplinked,
    [property: JsonPropertyName("largest_uplinked_event_bytes")] long LargestUplinkedEventBytes,
    [property: JsonPropertyName("frames_submitted")] long FramesSubmitted,
    [property: JsonPropertyName("frames_refused")] IReadOnlyDictionary<string, long> FramesRefused,
    [property: JsonPropertyName("frames_failed")] long FramesFailed,
    [property: JsonPropertyName("frames_by_model")] IReadOnlyDictionary<string, long> FramesByModel,
    [property: JsonPropertyName("frame_bytes_submitted")] long FrameBytesSubmitted,
    [property: JsonPropertyName("uplink_bytes_by_kind")] IReadOnlyDictionary<string, long> UplinkBytesByKind);

/// <summary>The mid-run model assignment at the cloud and how it reached every store.</summary>
public sealed record ModelRolloutEntry(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("previous_version")] string PreviousVersion,
    [property: JsonPropertyName("artifact_bytes")] long ArtifactBytes,
    [property: JsonPropertyName("targeted_stores")] int TargetedStores,
    [property: JsonPropertyName("applied_stores")] int AppliedStores,
    [property: JsonPropertyName("seconds_to_apply_all")] double? SecondsToApplyAll,
    [property: JsonPropertyName("bytes_from_cloud")] long BytesFromCloud,
    [property: JsonPropertyName("bytes_from_regions")] long BytesFromRegions);

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
    [JsonPropertyName("inference")] public required InferenceEntry Inference { get; init; }
    [JsonPropertyName("model_rollout")] public required ModelRolloutEntry? ModelRollout { get; init; }
    [JsonPropertyName("policy_change")] public required PolicyChangeEntry? PolicyChange { get; init; }
    [JsonPropertyName("revocation")] public required RevocationEntry? Revocation { get; init; }
    [JsonPropertyName("delivery")] public required Dictionary<string, object> Delivery { get; init; }
    [JsonPropertyName("process")] public required Dictionary<string, double> Process { get; init; }
    [JsonPropertyName("drained")] public required bool Drained { get; init; }
}
