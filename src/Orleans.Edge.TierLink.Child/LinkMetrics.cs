using System.Diagnostics.Metrics;
using Orleans.Edge.TierLink.Outbox;

namespace Orleans.Edge.TierLink.Child;

/// <summary>
/// The child side of a link as <c>orleans_edge_*</c> metrics, read from the link and outbox when
/// scraped. Drain rate is <c>rate(orleans_edge_link_events_acked_total)</c>.
/// </summary>
public sealed class LinkMetrics : IDisposable
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Orleans.Edge.TierLink";

    private readonly Meter _meter;

    /// <summary>Creates the instruments over <paramref name="link"/> and <paramref name="outbox"/>.</summary>
    public LinkMetrics(IMeterFactory meters, ParentLink link, IOutboxStatus outbox, TimeProvider time)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("orleans_edge_link_connected", () => link.Status.Connected ? 1 : 0, description: "1 while the uplink to the parent works");
        _meter.CreateObservableGauge("orleans_edge_outbox_events", () => outbox.Count, description: "Events waiting for the parent's ack");
        _meter.CreateObservableGauge("orleans_edge_outbox_bytes", () => outbox.Bytes, "By", "Bytes waiting for the parent's ack");
        _meter.CreateObservableGauge("orleans_edge_outbox_oldest_age_seconds",
            () => outbox.OldestEnqueuedAt is { } oldest ? (time.GetUtcNow() - oldest).TotalSeconds : 0, "s", "Age of the oldest waiting event");
        _meter.CreateObservableCounter("orleans_edge_outbox_events_numbered_total", () => outbox.EventsNumbered,
            description: "Events the outbox ever numbered, restarts included: each is acked, waiting or evicted");
        _meter.CreateObservableCounter("orleans_edge_link_events_sent_total", () => link.Status.EventsSent,
            description: "Events in batches the parent answered (acked, or reported as duplicates)");
        _meter.CreateObservableCounter("orleans_edge_link_send_attempts_total", () => link.Status.EventsAttempted,
            description: "Events written to the uplink, counting every retry while the parent was unreachable");
        _meter.CreateObservableCounter("orleans_edge_link_events_acked_total", () => link.Status.EventsAcked, description: "Events the parent acknowledged");
        _meter.CreateObservableCounter("orleans_edge_link_retries_total", () => link.Status.Retries, description: "Failed exchanges that were retried");
        _meter.CreateObservableCounter("orleans_edge_link_duplicates_total", () => link.Status.DuplicatesReported, description: "Events the parent had already");
        _meter.CreateObservableCounter("orleans_edge_uplink_sender_faults_total", () => link.Status.Faults,
            description: "Failures of this side of the uplink (e.g. the outbox's storage), each retried");
        _meter.CreateObservableGauge("orleans_edge_uplink_sender_running", () => link.Status.SenderRunning ? 1 : 0,
            description: "1 while the uplink sender's loop runs on this silo");
        _meter.CreateObservableCounter("orleans_edge_link_events_parked_total", () => link.Status.Parked,
            description: "Events the parent refused for good, parked in the outbox store so their lane could go on");
        _meter.CreateObservableCounter("orleans_edge_downlink_policies_rejected_total", () => link.Status.PoliciesRejected,
            description: "Policy documents from the parent rejected as malformed and skipped");
        _meter.CreateObservableCounter("orleans_edge_uplink_wire_bytes_total", () => link.Counter.BytesSent, "By", "Bytes written to the parent's socket");
        _meter.CreateObservableCounter("orleans_edge_outbox_evicted_total", () => outbox.Evicted.Select(e => new Measurement<long>(e.Value,
            new KeyValuePair<string, object?>("class", e.Key.Class.ToString()), new KeyValuePair<string, object?>("cause", e.Key.Cause.ToString()))),
            description: "Events evicted from the outbox, by class and cause");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
